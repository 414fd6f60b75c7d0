"""The partner network as a networkx graph (needs networkx installed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from partnercrm._partnercrm import Dataset

if TYPE_CHECKING:
    import networkx as nx


def to_networkx(dataset: Dataset) -> nx.Graph[str]:
    """Builds an undirected ``networkx.Graph`` of the data set's organisations.

    Nodes are organisation ids with ``name``, ``acronym``, ``kind`` and
    ``country`` attributes; edges carry ``agreements``, ``projects``,
    ``contributions`` and ``weight``, exactly as ``Dataset.network()``
    computes them in the core.
    """
    import networkx as nx

    if not isinstance(dataset, Dataset):
        raise TypeError(f"to_networkx takes a partnercrm.Dataset, not {type(dataset).__name__}")
    graph: nx.Graph[str] = nx.Graph()
    for org in dataset.table("organisations").to_arrow().to_pylist():
        graph.add_node(org["id"], name=org["name"], acronym=org["acronym"], kind=org["kind"], country=org["country"])
    for edge in dataset.network().to_arrow().to_pylist():
        graph.add_edge(
            edge["source"],
            edge["target"],
            agreements=edge["agreements"],
            projects=edge["projects"],
            contributions=edge["contributions"],
            weight=edge["weight"],
        )
    return graph
