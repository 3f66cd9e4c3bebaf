// The kiosk's words, Vietnamese and English (T = {key: [vi, en]}), and its keyboards. The words
// come from the message catalogs (api/translations, keys in api/kiosk/words.py): the page's HTML
// carries them as JSON.

export const T = JSON.parse(document.getElementById("kiosk-words").textContent);

// Dossier codes are mostly digits: the digits come first, then the letters in alphabetical order,
// eight keys a row so that every key is at least 80 px wide on a 1280x800 screen.
export const LAYOUTS = {
  code: ["12345678", "90.-/_:", "ABCDEFGH", "IJKLMNOP", "QRSTUVWX", "YZ"].map((row) => row.split("")),
  digits: [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["0"]],
  email: ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "@.-_+"].map((row) => row.split("")),
};

// Fill "{c}"-style blanks in both texts of a pair.
export const fill = (pair, vars) => pair.map((s) => s.replace(/\{(\w)\}/g, (_, k) => (vars && vars[k]) || ""));
