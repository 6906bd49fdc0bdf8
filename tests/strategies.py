"""Hypothesis strategies for what people type where a number is expected, and for personal numbers in text."""

from __future__ import annotations

from hypothesis import strategies as st

# Decimal digits of other scripts (Arabic-Indic, Devanagari, full-width, Thai …) and digit-like characters that
# are not decimal digits (², ①, ⅷ): `str.isdigit` accepts some of them, `int()` does not.
_ZERO_OF_SCRIPT = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0xFF10, 0x1D7CE]
DIGIT_LIKE = "²³¹⁰⁴⁵①②⑩⑴⒈⅛ⅷ〇零一二十百千万亿"


@st.composite
def digits_of_a_script(draw: st.DrawFn, max_size: int = 60) -> tuple[str, int]:
    """(text, value): a non-negative number written with one script's decimal digits."""
    value = draw(st.one_of(st.integers(0, 2**31 + 10), st.integers(0, 10**max_size)))
    zero = draw(st.sampled_from(_ZERO_OF_SCRIPT))
    return "".join(chr(zero + int(d)) for d in str(value)), value


def number_like() -> st.SearchStrategy[str]:
    """One word typed where a number is expected: digits of any script and size, signs, '#', fractions,
    exponents, digit-like symbols, phone numbers, or anything at all."""
    return st.one_of(
        digits_of_a_script().map(lambda pair: pair[0]),
        st.integers(-(10**40), 10**40).map(str),
        st.integers(0, 400).map(lambda n: "9" * n if n else "0"),
        st.integers(0, 2**63).map(lambda n: f"#{n}"),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.text(alphabet=DIGIT_LIKE + "0123456789.,-+#eE", min_size=1, max_size=30),
        st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
        st.text(min_size=1, max_size=20).filter(lambda s: not any(ch.isspace() for ch in s)),
    ).filter(lambda s: s.strip() and not any(ch.isspace() for ch in s))
