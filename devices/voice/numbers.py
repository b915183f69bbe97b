"""How numbers are read aloud, as clip names. Pure: no files, no sound.

Chinese clip names are the Hanzi they speak (零 … 九, 十, 百, 千); English
clip names are the words (zero … nineteen, twenty … ninety, hundred,
thousand). Letters are their own clip name in every language ("A" … "Z").
"""
from __future__ import annotations

ZH_DIGITS = ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九")
ZH_UNITS = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))

EN_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
           "seventeen", "eighteen", "nineteen")
EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

LETTERS = tuple(chr(c) for c in range(ord("A"), ord("Z") + 1))

# Four digits cover every window and a day's tickets per service; larger
# numbers would need 万 and are read digit by digit instead.
LARGEST_NATURAL = 9999


def zh_natural(n: int) -> list[str]:
    """Read n (0..9999) as a Chinese natural number: 10 → 十, 110 → 一百一十, 1001 → 一千零一."""
    _check_natural(n)
    if n == 0:
        return ["零"]
    out: list[str] = []
    pending_zero = False
    for value, unit in ZH_UNITS:
        digit = n // value % 10
        if digit == 0:
            pending_zero = bool(out)  # a gap inside the number is read once as 零
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        if not (value == 10 and digit == 1 and not out):  # 十二, not 一十二
            out.append(ZH_DIGITS[digit])
        if unit:
            out.append(unit)
    return out


def en_natural(n: int) -> list[str]:
    """Read n (0..9999) as an English natural number: 120 → one hundred twenty."""
    _check_natural(n)
    if n < 20:
        return [EN_ONES[n]]
    if n < 100:
        return [EN_TENS[n // 10]] + ([EN_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        head, rest = [EN_ONES[n // 100], "hundred"], n % 100
    else:
        head, rest = [EN_ONES[n // 1000], "thousand"], n % 1000
    return head + (en_natural(rest) if rest else [])


def digits(language: str, text: str) -> list[str]:
    """Read a string of digits one by one: "001" → 零 零 一 / zero zero one."""
    names = ZH_DIGITS if language == "zh" else EN_ONES
    return [names[int(d)] for d in text]


def natural(language: str, n: int) -> list[str]:
    """Read n as a natural number in the language ("zh" or anything else as English)."""
    return zh_natural(n) if language == "zh" else en_natural(n)


def number_vocabulary(language: str) -> list[str]:
    """Every clip name that digits() and natural() can return for the language."""
    if language == "zh":
        return list(ZH_DIGITS) + [unit for _, unit in ZH_UNITS if unit]
    return list(EN_ONES) + [t for t in EN_TENS if t] + ["hundred", "thousand"]


def _check_natural(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= LARGEST_NATURAL:
        raise ValueError(f"只能朗读 0 到 {LARGEST_NATURAL} 的整数，{n!r} 不行。"
                         f" / Only whole numbers from 0 to {LARGEST_NATURAL} can be read; got {n!r}.")
