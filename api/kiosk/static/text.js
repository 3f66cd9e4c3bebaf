// The kiosk's own words, Vietnamese and English, and its keyboards.

export const T = {
  door_dropoff: ["Cửa ngăn {c} đã mở — đặt hồ sơ vào và đóng cửa", "Compartment {c} is open — put your dossier in and close the door"],
  door_pickup: ["Cửa ngăn {c} đã mở — lấy kết quả và đóng cửa", "Compartment {c} is open — take your result and close the door"],
  opening_door: ["Đang mở ngăn {c}…", "Opening compartment {c}…"],
  moved: ["Ngăn {p} không mở được. ", "Compartment {p} did not open. "],
  leave_warning: ["Cửa ngăn {c} vẫn đang mở. Vui lòng đóng cửa trước khi rời đi, hoặc chạm lần nữa để về màn hình chính.",
    "The door of compartment {c} is still open. Please close it before you leave, or tap again to go back to start."],
  countdown_over: ["Bây giờ ông/bà có thể thử lại.", "You can try again now."],
  reopen_dropoff: ["Không thấy hồ sơ trong ngăn {c}. Nếu chưa đặt hồ sơ vào, hãy mở lại ngăn.",
    "No dossier was seen in compartment {c}. If you have not put it in yet, open the compartment again."],
  reopen_pickup: ["Kết quả vẫn còn trong ngăn {c}. Hãy mở lại ngăn để lấy.",
    "Your result is still in compartment {c}. Open the compartment again to take it."],
  reopen_button: ["Mở lại ngăn {c}", "Open compartment {c} again"],
  try_again: ["Thử lại", "Try again"],
  uncollected: ["Kết quả vẫn ở trong tủ; mã nhận của ông/bà còn mở được ngăn một lần nữa.",
    "Your result is still in the cabinet; your pickup code can open its compartment once more."],
  stored: ["Đã nhận hồ sơ {d}. Xin cảm ơn!", "Your dossier {d} has been received. Thank you!"],
  collected: ["Ông/bà đã nhận kết quả hồ sơ {d}. Xin cảm ơn!", "You have collected the result of dossier {d}. Thank you!"],
  failed: ["Không mở được ngăn tủ. Vui lòng liên hệ cán bộ.", "The compartment could not be opened. Please contact a clerk."],
  cancelled: ["Lượt gửi hồ sơ đã bị huỷ.", "The drop-off was cancelled."],
  opening: ["Đang mở ngăn tủ…", "Opening a compartment…"],
  offline: ["Mất kết nối với tủ. Vui lòng thử lại hoặc liên hệ cán bộ.", "Lost connection to the locker. Please try again or contact a clerk."],
  error: ["Đã có lỗi. Vui lòng thử lại hoặc liên hệ cán bộ.", "Something went wrong. Please try again or contact a clerk."],
  scan_invalid_credentials: ["Mã QR không đúng, đã dùng hoặc đã hết hạn.", "The QR code is wrong, already used or expired."],
  scan_throttled: ["Nhập sai quá nhiều lần. Vui lòng thử lại sau.", "Too many failed attempts. Please try again later."],
  scan_badge_refused: ["Thẻ này không dùng được để đăng nhập.", "This badge cannot be used to sign in."],
  scan_other: ["Không dùng được mã QR này. Vui lòng nhập mã hồ sơ và mã nhận.", "This QR code cannot be used. Please enter the dossier code and pickup code."],
  receipt_printed: ["Biên nhận đã được in — mời lấy ở khe máy in.", "Your receipt has been printed — take it from the printer."],
  receipt_not_printed: ["Máy in không in được. Đây là biên nhận của bạn; biên nhận cũng đã được gửi qua SMS.",
    "The printer could not print. Here is your receipt; it was also sent to you by SMS."],
  receipt_no_printer: ["Biên nhận của bạn (thông tin cũng đã được gửi qua SMS):",
    "Your receipt (the details were also sent to you by SMS):"],
  where: ["Ô {c}, hàng {r}, cột {k}", "Compartment {c}, row {r}, column {k}"],
  cabinet_picture: ["Sơ đồ tủ: ô {c} được tô sáng, hàng {r} từ trên xuống, cột {k} từ trái sang",
    "The cabinet: compartment {c} is lit, row {r} from the top, column {k} from the left"],
  time_left: ["Màn hình chờ ông/bà thêm {t}", "This screen waits for you {t} more"],
  more_time_question: ["Cần thêm thời gian?", "Need more time?"],
  more_time_button: ["Có, tôi cần thêm thời gian", "Yes, I need more time"],
  more_time_countdown: ["Nếu không, màn hình sẽ về màn hình chính sau {t} giây.",
    "If not, the screen goes back to the start in {t} seconds."],
  lang_button: ["English", "Tiếng Việt"],
  key_back: ["⌫ Xoá", "⌫ Delete"],
  key_clear: ["Xoá hết", "Clear all"],
};

export const LAYOUTS = {
  code: ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM", ".-/_:"].map((row) => row.split("")),
  digits: [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["0"]],
};

// Fill "{c}"-style blanks in both texts of a pair.
export const fill = (pair, vars) => pair.map((s) => s.replace(/\{(\w)\}/g, (_, k) => (vars && vars[k]) || ""));
