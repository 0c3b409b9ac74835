"""A mouse's pedigree: its ancestors (through litters: sire = the mating's male, dam = the litter's dam) and its
descendants, laid out for an inline SVG drawing.

Ancestors are read one generation per query and descendants likewise, so a drawing costs a few queries whatever
the colony's size. The layout is a plain grid: one column per generation, the mouse in the middle column.
"""
from dataclasses import dataclass, field

from django.db.models import Q

from colonies.models import Mouse

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 150, 44, 46, 12, 8


@dataclass
class Node:
    mouse: Mouse
    generation: int  # negative: ancestors, 0: the mouse, positive: descendants
    parents: list[int] = field(default_factory=list)  # pks of this node's parents drawn in the picture
    x: int = 0
    y: int = 0

    @property
    def label(self) -> str:
        return self.mouse.specimen_id

    @property
    def detail(self) -> str:
        sex = {"male": "♂", "female": "♀"}.get(self.mouse.sex, "?")
        status = "" if self.mouse.is_alive else f" · {self.mouse.status}"
        born = f"{self.mouse.date_of_birth:%Y-%m-%d}" if self.mouse.date_of_birth else f"embryo {self.mouse.stage}"
        return f"{sex} {born}{status}"


@dataclass
class Pedigree:
    nodes: list[Node]
    edges: list[tuple[Node, Node]]  # (parent, child)
    width: int
    height: int


def _with_parents(ids):
    return Mouse.objects.filter(pk__in=ids).select_related("litter__mating__male", "litter__dam")


def pedigree_of(mouse: Mouse, *, up: int = 3, down: int = 2, limit: int = 40) -> Pedigree:
    """The mouse, `up` generations of ancestors and `down` of descendants (at most `limit` per generation)."""
    nodes: dict[int, Node] = {mouse.pk: Node(mouse, 0)}
    frontier = [mouse.pk]
    for generation in range(1, up + 1):
        parents: list[int] = []
        for child in _with_parents(frontier):
            for parent in (child.sire, child.dam):
                if parent is None:
                    continue
                nodes[child.pk].parents.append(parent.pk)
                if parent.pk not in nodes:
                    nodes[parent.pk] = Node(parent, -generation)
                    parents.append(parent.pk)
        frontier = parents[:limit]
    frontier = [mouse.pk]
    for generation in range(1, down + 1):
        children = _with_parents(
            Mouse.objects.filter(voided_at__isnull=True)
            .filter(Q(litter__mating__male_id__in=frontier) | Q(litter__dam_id__in=frontier))
            .order_by("specimen_id").values_list("pk", flat=True)[:limit]
        )
        next_frontier = []
        for child in children:
            if child.pk in nodes:
                continue
            node = Node(child, generation)
            node.parents = [p.pk for p in (child.sire, child.dam) if p is not None and p.pk in nodes]
            nodes[child.pk] = node
            next_frontier.append(child.pk)
        frontier = next_frontier
    return _layout(list(nodes.values()), nodes)


def _layout(nodes: list[Node], by_pk: dict[int, Node]) -> Pedigree:
    generations = sorted({n.generation for n in nodes})
    columns = {g: sorted((n for n in nodes if n.generation == g), key=lambda n: (n.mouse.sex != "male", n.label))
               for g in generations}
    tallest = max(len(c) for c in columns.values())
    height = PAD * 2 + tallest * BOX_H + (tallest - 1) * GAP_Y
    for index, generation in enumerate(generations):
        column = columns[generation]
        used = len(column) * BOX_H + (len(column) - 1) * GAP_Y
        top = (height - used) // 2
        for row, node in enumerate(column):
            node.x = PAD + index * (BOX_W + GAP_X)
            node.y = top + row * (BOX_H + GAP_Y)
    edges = [(by_pk[p], n) for n in nodes for p in n.parents if p in by_pk]
    width = PAD * 2 + len(generations) * BOX_W + (len(generations) - 1) * GAP_X
    return Pedigree(nodes=nodes, edges=edges, width=width, height=height)
