"""The kiosk page's words: each key of ``T`` in ``static/text.js`` and its message in the
catalogs (``api/translations``, English ids, Vietnamese and English ``msgstr``). The page gets
them in both languages at once, rendered into its HTML as the JSON ``T = {key: [vi, en]}``;
``{c}``-style blanks are filled in by the page (``fill`` in ``text.js``). To add a word: add
it here, run ``make messages`` and fill in both ``msgstr``.
"""

from __future__ import annotations

from ..catalogs import N_, both

#: The names of the languages, each in its own language: the switch shows the other one's.
LANG_BUTTON = ("English", "Tiếng Việt")

WORDS: dict[str, str] = {
    "door_dropoff": N_("Compartment {c} is open — put your dossier in and close the door"),
    "door_pickup": N_("Compartment {c} is open — take your result and close the door"),
    "opening_door": N_("Opening compartment {c}…"),
    "moved": N_("Compartment {p} did not open. "),
    "leave_warning": N_("The door of compartment {c} is still open. Please "
        "close it before you leave, or tap again to go back to start."),
    "countdown_over": N_("You can try again now."),
    "reopen_dropoff": N_("No dossier was seen in compartment {c}. If you "
        "have not put it in yet, open the compartment again."),
    "reopen_pickup": N_("Your result is still in compartment {c}. Open the compartment again to take it."),
    "reopen_button": N_("Open compartment {c} again"),
    "try_again": N_("Try again"),
    "uncollected": N_("Your result is still in the cabinet; your "
        "pickup code can open its compartment once more."),
    "stored": N_("Your dossier {d} has been received. Thank you!"),
    "collected": N_("You have collected the result of dossier {d}. Thank you!"),
    "failed": N_("The compartment could not be opened. Please contact a clerk."),
    "cancelled": N_("The drop-off was cancelled."),
    "opening": N_("Opening a compartment…"),
    "offline": N_("Lost connection to the locker. Please try again or contact a clerk."),
    "error": N_("Something went wrong. Please try again or contact a clerk."),
    "close_door": N_("Please close compartment door {l}"),
    "scan_invalid_credentials": N_("The QR code is wrong, already used or expired."),
    "scan_throttled": N_("Too many failed attempts. Please try again later."),
    "scan_badge_refused": N_("This badge cannot be used to sign in."),
    "scan_other": N_("This QR code cannot be used. Please enter the dossier code and pickup code."),
    "receipt_printed": N_("Your receipt has been printed — take it from the printer."),
    "receipt_not_printed": N_("The printer could not print. Here is "
        "your receipt; it was also sent to you by SMS."),
    "receipt_no_printer": N_("Your receipt (the details were also sent to you by SMS):"),
    "where": N_("Compartment {c}, row {r}, column {k}"),
    "cabinet_picture": N_("The cabinet: compartment {c} is lit, row "
        "{r} from the top, column {k} from the left"),
    "time_left": N_("This screen waits for you {t} more"),
    "more_time_question": N_("Need more time?"),
    "more_time_button": N_("Yes, I need more time"),
    "more_time_countdown": N_("If not, the screen goes back to the start in {t} seconds."),
    "rating_question": N_("How was your visit to the dossier locker?"),
    "rating_face_1": N_("Very unhappy"),
    "rating_face_2": N_("Unhappy"),
    "rating_face_3": N_("Okay"),
    "rating_face_4": N_("Happy"),
    "rating_face_5": N_("Very happy"),
    "rating_chips_prompt": N_("Anything to add? (optional)"),
    "rating_chip_quick": N_("Quick"),
    "rating_chip_easy": N_("Easy to use"),
    "rating_chip_clear": N_("Clear instructions"),
    "rating_chip_slow": N_("Slow"),
    "rating_chip_confusing": N_("Confusing"),
    "rating_chip_door": N_("Door hard to open or close"),
    "rating_chip_receipt": N_("Receipt or SMS problem"),
    "rating_chip_help": N_("Needed someone's help"),
    "rating_send": N_("Send rating"),
    "rating_skip": N_("Skip"),
    "rating_thanks": N_("Thank you for your rating!"),
    "procedures_button": N_("Procedures"),
    "procedures_title": N_("Procedures you can hand in at the locker"),
    "procedures_hint": N_("Choose a procedure to see the documents "
        "to bring, the fee and the processing time."),
    "procedures_none": N_("No procedures are listed yet. Please ask the one-stop office."),
    "documents": N_("Documents to bring"),
    "fee": N_("Fee"),
    "processing_time": N_("Processing time"),
    "portal_qr": N_("Scan with your phone to see this procedure on the National Public Service Portal"),
    "all_procedures": N_("All procedures"),
    "back_to_start": N_("Back to start"),
    "lookup_title": N_("Check a dossier"),
    "lookup_label": N_("Dossier code (on your receipt)"),
    "lookup_button": N_("Look up"),
    "lookup_dropped_off": N_("Dossier {d} is in the locker, waiting for a clerk to take it in."),
    "lookup_received": N_("Dossier {d} has been received and is being processed."),
    "lookup_ready": N_("The result of dossier {d} is in the locker. "
        "Collect it with the code in your SMS before {u}."),
    "lookup_collected": N_("The result of dossier {d} has been collected."),
    "lookup_expired": N_("The result of dossier {d} was not collected "
        "in time. Please contact the one-stop office."),
    "email_label": N_("Email (optional)"),
    "access_large": N_("Large text"),
    "access_slow": N_("I need more time"),
    "sound_off": N_("Turn the kiosk's sound off"),
    "sound_on": N_("Turn the kiosk's sound on"),
    "low": N_("Low compartment — within reach from a wheelchair"),
    "key_back": N_("⌫ Delete"),
    "key_clear": N_("Clear all"),
}


def page_words() -> dict[str, list[str]]:
    """``{key: [vi, en]}`` for every word of the page (``T`` in ``static/text.js``)."""
    words = {key: list(both(msgid)) for key, msgid in WORDS.items()}
    words["lang_button"] = list(LANG_BUTTON)
    return words
