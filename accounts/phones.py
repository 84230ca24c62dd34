"""Mobile numbers as people type them, parsed with Google's libphonenumber into E.164."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

# Numbers that can receive a text: a landline would never get the code.
_TEXTABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
}


def phone_normalize(raw: str) -> str:
    """ "+91 98765-43210" -> "+919876543210". Without a leading + the number is read in
    PHONENUMBER_DEFAULT_REGION (UCHAT_PHONE_REGION) when one is set. Raises ValidationError
    with a reason a person can act on."""
    text = raw.strip()
    region = settings.PHONENUMBER_DEFAULT_REGION
    if not text.startswith("+") and not region:
        raise ValidationError(
            "Start the number with + and the country code, like +91 98765 43210.",
            code="phone_country",
        )
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError("That is not a phone number.", code="phone_invalid") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "That number does not exist: check the country code and the digits.",
            code="phone_invalid",
        )
    if phonenumbers.number_type(number) not in _TEXTABLE:
        raise ValidationError(
            "That number cannot receive text messages: give a mobile number.",
            code="phone_not_mobile",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_country(phone: str) -> str:
    """The ISO 3166 region of an E.164 number ("+919876543210" -> "IN"), read from its
    country code; "ZZ" when the code names no single region."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return "ZZ"
    return phonenumbers.region_code_for_number(number) or "ZZ"
