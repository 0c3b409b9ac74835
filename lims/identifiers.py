"""One character set for every identifier a person types: specimen IDs, and the names of colonies, cages, rooms,
racks, matings, litters, assays, samples, ES cells, attempts and alleles.

Identifiers travel: onto cage cards and tube labels, into spreadsheets, into the DCC's XML, into other centres'
systems. The probe stored a right-to-left override (U+202E, which makes "H1001‮gpj.exe" display as something
else), emoji, `"><` and a leading `=` (a spreadsheet formula). One validator, used by the models (so forms, the
API, imports and the services all apply it through `full_clean()`), accepts:

- letters and digits of any script (Unicode categories L* and Nd), so "Gebäude 2" and "실험실 3" are names;
- spaces and the punctuation identifiers use: - _ . , : ; / ( ) [ ] # + ' & *
- in allele symbols only, MGI's superscript in angle brackets: `Pax6<tm1a(EUCOMM)Wtsi>`;

and refuses everything else: control and invisible formatting characters (bidi overrides, zero-width joiners),
symbols and emoji, quotes, `<>` elsewhere, backslashes, and a first character of `=`, `+`, `-` or `@`, which
spreadsheets read as the start of a formula.
"""
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

PUNCTUATION = " -_.,:;/()[]#+'&*"
FORMULA_LEADS = "=+-@"
ALLOWED_DESCRIPTION = "letters, digits, spaces and - _ . , : ; / ( ) [ ] # + ' & *"


def _name_of(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def _char_problem(char: str) -> str | None:
    if char in PUNCTUATION:
        return None
    category = unicodedata.category(char)
    if category[0] == "L" or category == "Nd":
        return None
    if category in ("Cc", "Cf", "Zl", "Zp", "Zs", "Co", "Cs", "Cn"):
        return (f"contains an invisible or control character ({_name_of(char)}), which can make it read "
                "differently from what is stored")
    if category.startswith("S") or category.startswith("M") or category.startswith("N"):
        return f"contains {char!r} ({_name_of(char)}), which identifiers do not use"
    return f"contains {char!r}, which identifiers do not use"


def _allele_problem(value: str) -> str | None:
    """MGI superscripts: `Gene<superscript>`, never nested, never empty, opening on a letter or digit."""
    inside = False
    for index, char in enumerate(value):
        if char == "<":
            following = value[index + 1:index + 2]
            if inside or index == 0 or not following or not (following.isalnum()):
                return "uses < > other than around an allele superscript, as in Pax6<tm1a(EUCOMM)Wtsi>"
            inside = True
        elif char == ">":
            if not inside:
                return "uses < > other than around an allele superscript, as in Pax6<tm1a(EUCOMM)Wtsi>"
            inside = False
    if inside:
        return "opens an allele superscript with < and never closes it with >"
    return None


def identifier_problem(value: str, *, allele_notation: bool = False) -> str | None:
    """What is wrong with `value` as an identifier, in words (None when it is fine)."""
    if not value:
        return None
    first = value.lstrip()[:1]
    if first and first in FORMULA_LEADS:
        return f"cannot start with {first!r}: spreadsheets read it as the start of a formula"
    if allele_notation:
        problem = _allele_problem(value)
        if problem:
            return problem
    for char in value:
        if allele_notation and char in "<>":
            continue
        problem = _char_problem(char)
        if problem:
            return problem
    return None


@deconstructible
class SafeIdentifierValidator:
    """Refuse an identifier outside the one character set (module docstring); `allele_notation` also accepts
    MGI's angle-bracket superscript."""

    code = "unsafe_identifier"

    def __init__(self, allele_notation: bool = False):
        self.allele_notation = allele_notation

    def __call__(self, value) -> None:
        problem = identifier_problem(str(value), allele_notation=self.allele_notation)
        if problem:
            raise ValidationError(f"This {problem}. Use {ALLOWED_DESCRIPTION}.", code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, SafeIdentifierValidator) and other.allele_notation == self.allele_notation

    def __hash__(self) -> int:
        return hash(("SafeIdentifierValidator", self.allele_notation))


#: The validators the models attach to their identifier fields.
safe_identifier = SafeIdentifierValidator()
safe_allele_symbol = SafeIdentifierValidator(allele_notation=True)

__all__ = ["ALLOWED_DESCRIPTION", "SafeIdentifierValidator", "identifier_problem", "safe_allele_symbol",
           "safe_identifier"]
