"""The demo organisation's customer-facing texts in Urdu, Polish and Arabic (portal/demo.py).

Urdu is given for the always-open routes only: a reader of Urdu sees how to ask for a review
and how to appeal in English, marked as English, as a real organisation's might be.
"""

from __future__ import annotations

DEMO_TEXTS = {
    "complaints_contact_ur": (
        "شکایت کرنے کے لیے 0161 000 0001 پر فون کریں یا complaints@demo.example پر ای میل کریں"
    ),
    "complaints_contact_pl": (
        "Skargę można złożyć pod numerem 0161 000 0001 lub e-mailem na adres "
        "complaints@demo.example"
    ),
    "complaints_contact_ar": (
        "لتقديم شكوى، اتصل على الرقم 0161 000 0001 أو راسلنا على complaints@demo.example"
    ),
    "emergency_contact_ur": (
        "ہنگامی مرمت یا حفاظت کا کوئی بھی مسئلہ کسی بھی وقت 0161 000 0999 پر بتائیں"
    ),
    "emergency_contact_pl": (
        "Pilną naprawę lub problem z bezpieczeństwem można zgłosić o każdej porze pod numerem "
        "0161 000 0999"
    ),
    "emergency_contact_ar": (
        "أبلغ عن أي إصلاح طارئ أو مشكلة تتعلق بالسلامة على الرقم 0161 000 0999 في أي وقت"
    ),
    "review_request_contact_pl": (
        "Aby poprosić o ponowne rozpatrzenie tej decyzji, napisz do Customer Conduct Panel "
        "na adres podany powyżej lub wyślij e-mail na adres conduct.panel@demo.example."
    ),
    "review_request_contact_ar": (
        "لطلب مراجعة هذا القرار، اكتب إلى لجنة سلوك العملاء (Customer Conduct Panel) على "
        "العنوان المذكور أعلاه أو راسلنا على conduct.panel@demo.example"
    ),
    "appeals_contact_pl": (
        "Napisz do Customer Experience Manager na adres podany powyżej, wyślij e-mail na adres "
        "appeals@demo.example albo poproś dowolnego pracownika o pomoc w złożeniu odwołania."
    ),
    "appeals_contact_ar": (
        "اكتب إلى مدير تجربة العملاء (Customer Experience Manager) على العنوان المذكور أعلاه، "
        "أو راسلنا على appeals@demo.example، أو اطلب من أي موظف أن يساعدك في تقديم الاستئناف."
    ),
}
