"""Check digits of ID numbers (GB 11643) and credit codes (GB 32100), mobiles and plates, both ways."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from civicgrid.registry.models import Person
from civicgrid.registry.services import person_set_identity
from civicgrid.registry.validators import (
    CREDIT_ALPHABET,
    ID_CHECK,
    credit_check_char,
    id_birth_date,
    id_check_digit,
    id_sex,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_plate,
)

ID_CHECK_WRONG = "身份证号校验位不正确，请核对。"
ID_BIRTH_WRONG = "身份证号中的出生日期无效。"
ID_FORMAT_WRONG = "身份证号应为 18 位：17 位数字加 1 位数字或 X。"
CREDIT_CHECK_WRONG = "统一社会信用代码校验位不正确，请核对。"
CREDIT_FORMAT_WRONG = "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。"
MOBILE_WRONG = "请输入有效的中国大陆手机号（11 位，以 1 开头）。"
PLATE_WRONG = "车牌号格式不正确，例如 浙A12345 或 浙AD12345。"

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
regions = st.text(alphabet="0123456789", min_size=6, max_size=6)
sequences = st.text(alphabet="0123456789", min_size=3, max_size=3)
births = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))


@st.composite
def first17s(draw) -> tuple[str, date]:
    """17 digits whose birth-date part (positions 7-14) is a real date."""
    birth = draw(births)
    return f"{draw(regions)}{birth.year:04d}{birth.month:02d}{birth.day:02d}{draw(sequences)}", birth


def _birth_valid(number: str) -> bool:
    try:
        id_birth_date(number)
    except ValueError:
        return False
    return True


def _message(error: pytest.ExceptionInfo) -> str:
    return error.value.messages[0]


# --- national ID number -----------------------------------------------------------------------------


@given(first17s())
def test_any_17_digits_with_their_check_digit_pass(value):
    first17, _birth = value
    number = first17 + id_check_digit(first17)
    assert validate_id_number(number) == number


@given(first17s())
def test_lower_case_x_and_spaces_are_normalised(value):
    first17, _birth = value
    number = first17 + id_check_digit(first17)
    typed = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    assert validate_id_number(typed) == number


@given(first17s(), st.sampled_from(ID_CHECK))
def test_any_other_check_character_fails_with_the_check_digit_message(value, wrong):
    first17, _birth = value
    right = id_check_digit(first17)
    if wrong == right:
        wrong = ID_CHECK[(ID_CHECK.index(right) + 1) % len(ID_CHECK)]
    with pytest.raises(ValidationError) as error:
        validate_id_number(first17 + wrong)
    assert _message(error) == ID_CHECK_WRONG


@given(first17s(), st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_one_digit_makes_the_number_fail(value, position, shift):
    first17, _birth = value
    number = first17 + id_check_digit(first17)
    changed = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    with pytest.raises(ValidationError) as error:
        validate_id_number(changed)
    # A changed birth-date digit may make the date itself impossible, which is reported first.
    assert _message(error) == (ID_CHECK_WRONG if _birth_valid(changed) else ID_BIRTH_WRONG)


@given(first17s())
def test_birth_date_and_sex_derive_from_the_number(value):
    first17, birth = value
    number = first17 + id_check_digit(first17)
    person = Person()
    person_set_identity(person, number)
    assert person.birth_date == birth == id_birth_date(number)
    assert person.sex == ("M" if int(first17[16]) % 2 else "F") == id_sex(number)
    assert person.id_masked == number[:4] + "*" * 10 + number[-4:]
    assert person.id_number == number


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010519491231002", ID_FORMAT_WRONG),
        ("1101051949123100211", ID_FORMAT_WRONG),
        ("11010519491231002Y", ID_FORMAT_WRONG),
        ("", ID_FORMAT_WRONG),
        ("110105194902300020", ID_BIRTH_WRONG),
        ("110105000001010020", ID_BIRTH_WRONG),
    ],
)
def test_malformed_id_numbers_are_refused_with_the_reason(number, message):
    with pytest.raises(ValidationError) as error:
        validate_id_number(number)
    assert _message(error) == message


def test_published_sample_number_is_valid():
    # GB 11643's worked example: 11010519491231002X.
    assert id_check_digit("11010519491231002") == "X"
    assert validate_id_number("11010519491231002x") == "11010519491231002X"
    assert id_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert id_sex("11010519491231002X") == "F"


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_id_number_typed_with_full_width_digits_is_accepted_as_the_ascii_number():
    number = "11010519491231002X"
    assert validate_id_number(number.translate(FULL_WIDTH)) == number


@given(first17s(), st.sampled_from("\u0660\u06f0\u0966\u09e6"))
def test_digits_of_other_scripts_are_never_accepted_as_typed(value, zero):
    first17, _birth = value
    other = "".join(chr(ord(zero) + int(d)) for d in first17)
    try:
        number = validate_id_number(other + id_check_digit(first17))
    except ValidationError:
        return
    assert number == first17 + id_check_digit(first17)


def test_mixed_width_id_number_is_stored_in_ascii():
    typed = "11010519491231002".translate(FULL_WIDTH) + "X"
    assert validate_id_number(typed) == "11010519491231002X"


# --- unified social credit code -----------------------------------------------------------------------

credit_first17s = st.text(alphabet=CREDIT_ALPHABET, min_size=17, max_size=17)


@given(credit_first17s)
def test_any_17_credit_characters_with_their_check_character_pass(first17):
    code = first17 + credit_check_char(first17)
    assert validate_credit_code(code) == code
    assert validate_credit_code(f" {code.lower()} ") == code


@given(credit_first17s, st.sampled_from(CREDIT_ALPHABET))
def test_any_other_credit_check_character_fails_with_the_check_message(first17, wrong):
    right = credit_check_char(first17)
    if wrong == right:
        wrong = CREDIT_ALPHABET[(CREDIT_ALPHABET.index(right) + 1) % len(CREDIT_ALPHABET)]
    with pytest.raises(ValidationError) as error:
        validate_credit_code(first17 + wrong)
    assert _message(error) == CREDIT_CHECK_WRONG


@given(credit_first17s, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=30))
def test_changing_any_one_credit_character_fails_with_the_check_message(first17, position, shift):
    code = first17 + credit_check_char(first17)
    replaced = CREDIT_ALPHABET[(CREDIT_ALPHABET.index(code[position]) + shift) % len(CREDIT_ALPHABET)]
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code[:position] + replaced + code[position + 1 :])
    assert _message(error) == CREDIT_CHECK_WRONG


@given(credit_first17s, st.integers(min_value=0, max_value=17), st.sampled_from("IOSVZ"))
def test_letters_outside_the_credit_alphabet_fail_with_the_format_message(first17, position, letter):
    code = first17 + credit_check_char(first17)
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code[:position] + letter + code[position + 1 :])
    assert _message(error) == CREDIT_FORMAT_WRONG


def test_real_credit_code_is_valid():
    assert validate_credit_code("91350100M000100Y43") == "91350100M000100Y43"
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91350100M000100Y44")
    assert _message(error) == CREDIT_CHECK_WRONG


# --- mobile numbers and plates ----------------------------------------------------------------------

mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)


@given(mobiles)
def test_any_mainland_mobile_passes_and_is_normalised(mobile):
    assert validate_mobile(mobile) == mobile
    assert validate_mobile(f"+86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}") == mobile


def test_full_width_mobile_is_accepted_as_ascii():
    assert validate_mobile("１３８１２３４５６７８") == "13812345678"


@given(mobiles, st.sampled_from("012"))
def test_mobile_with_an_unused_second_digit_fails(mobile, second):
    with pytest.raises(ValidationError) as error:
        validate_mobile(mobile[0] + second + mobile[2:])
    assert _message(error) == MOBILE_WRONG


@given(mobiles, st.integers(min_value=1, max_value=3))
def test_mobile_of_the_wrong_length_fails(mobile, cut):
    for wrong in (mobile[:-cut], mobile + "0" * cut):
        with pytest.raises(ValidationError) as error:
            validate_mobile(wrong)
        assert _message(error) == MOBILE_WRONG


@pytest.mark.parametrize("mobile", ["", "23812345678", "0571-8888888", "1381234567a"])
def test_not_a_mobile_is_refused(mobile):
    with pytest.raises(ValidationError) as error:
        validate_mobile(mobile)
    assert _message(error) == MOBILE_WRONG


@pytest.mark.parametrize(
    ("typed", "plate"),
    [
        ("浙A12345", "浙A12345"),
        ("浙ad12345", "浙AD12345"),
        ("浙A·1234学", "浙A1234学"),
        ("沪B 9Z88Z", "沪B9Z88Z"),
    ],
)
def test_plates_are_accepted_and_normalised(typed, plate):
    assert validate_plate(typed) == plate


@pytest.mark.parametrize("typed", ["", "浙12345", "AA12345", "浙I12345", "浙A123", "浙A1234567", "京O12345"])
def test_malformed_plates_are_refused(typed):
    with pytest.raises(ValidationError) as error:
        validate_plate(typed)
    assert _message(error) == PLATE_WRONG
