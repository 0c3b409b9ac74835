"""The worklist table's rows as HTML, written in Python: the same markup `procedures/worklist.html` rendered per row.

Why not the template: a day of 500 due tests rendered each row's ~40 variables, two `{% url %}` tags and two
`{% include %}`s through the template engine, ~25 × the SQL that reads the rows (`make bench`, worklist). Here each
URL is reversed once per page and completed per row, and every value goes through `escape` as the template's
autoescaping would; `tests/procedures/test_worklist_rooms.py` pins the markup.
"""
from html import escape as _escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from colonies.models import Mouse

_SENTINEL = 2_147_483_647  # an id no row has, replaced by each row's own
_SEX = dict(Mouse.Sex.choices)


def escape(value) -> str:
    """`django.utils.html.escape` without its lazy-string wrapper (same characters, ~3 × faster per call)."""
    return _escape(str(value))


def _url_maker(name: str):
    """A function id → the escaped URL of `name` for that id (reversed once, not per row)."""
    head, _, tail = reverse(name, args=[_SENTINEL]).partition(str(_SENTINEL))
    head, tail = escape(head), escape(tail)
    return lambda pk: f"{head}{pk}{tail}"


def _day(value) -> str:
    return value.isoformat() if value is not None else ""


class WorklistRows:
    """Writes the `<tr>`s of one page; `can_record` and `day_query` are the page's."""

    def __init__(self, *, can_record: bool, day_query: str):
        self.can_record = can_record
        self.day_query = escape(day_query)
        self.cage_url = _url_maker("colonies:cage_detail")
        self.mouse_url = _url_maker("colonies:mouse_detail")
        self.test_url = _url_maker("procedures:scheduledtest_detail")
        self.record_url = _url_maker("procedures:experiment_record")

    def cages(self, cages) -> SafeString:
        """The rows of a room's cages: [(cage or None, [test, …]), …], the first row of each cage marked."""
        return mark_safe("".join(self.row(test, cage, first=index == 0)
                                 for cage, tests in cages for index, test in enumerate(tests)))

    def _cage_cell(self, cage) -> str:
        if cage is None:
            return '<span class="muted">no cage</span>'
        html = f'<a class="strong" href="{self.cage_url(cage.pk)}">{escape(cage.cage_id)}</a>'
        if cage.rack_id:
            position = f" · {escape(cage.position)}" if cage.position else ""
            html += f' <span class="muted">{escape(cage.rack.name)}{position}</span>'
        return html

    def row(self, test, cage, *, first: bool) -> str:
        mouse, procedure = test.mouse, test.procedure
        specimen, name = escape(mouse.specimen_id), escape(procedure.name)
        reason = test.unrecordable_reason
        classes = ("worklist-cage-start" if first else "") + (" is-overdue" if test.is_overdue else "")
        select = ""
        if self.can_record:
            box = (f'<input type="checkbox" form="worklist-batch" name="tests" value="{test.pk}" '
                   f'aria-label="Select {specimen} for {name}">') if not reason else ""
            select = f'<td data-label="Select" class="table__select">{box}</td>'
        draft = ' <span class="badge badge--info">draft</span>' if test.has_draft else ""
        overdue = ' <span class="badge badge--danger">overdue</span>' if test.is_overdue else ""
        colony = escape(mouse.colony.name) if mouse.colony_id and mouse.colony.name else "baseline"
        if reason:
            action = f'<span class="muted" title="{escape(reason)}">Cannot be recorded yet: no parameters</span>'
        elif self.can_record:
            action = (f'<a class="button button--primary button--big" href="{self.record_url(test.pk)}'
                      f'{self.day_query}" aria-label="Record {name} for {specimen}">Record</a>')
        else:
            action = ""
        return (
            f'<tr class="{classes}">{select}'
            f'<td data-label="Cage">{self._cage_cell(cage)}</td>'
            f'<td data-label="Mouse"><a class="strong" href="{self.mouse_url(mouse.pk)}">{specimen}</a>{draft}</td>'
            f'<td data-label="Colony">{colony}</td>'
            f'<td data-label="Sex">{escape(_SEX.get(mouse.sex, mouse.sex))}</td>'
            f'<td data-label="Date of birth">{_day(mouse.date_of_birth)}</td>'
            f'<td data-label="Procedure">{name} <span class="muted mono">{escape(procedure.key)}</span></td>'
            f'<td data-label="Due"><a href="{self.test_url(test.pk)}">{_day(test.due_date)}</a>{overdue}</td>'
            f'<td class="table__action">{action}</td></tr>\n'
        )
