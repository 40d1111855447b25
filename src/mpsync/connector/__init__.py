"""The connector layer: the ``Connector`` contract, the registry and shared HTTP.

A connector knows one marketplace's HTTP, auth, paging and limits, and
nothing about the store.
"""
