"""The buyers' inbox: questions and reviews from every marketplace, answered from a
knowledge base through the outbox, and their ratings as satisfaction.

Modules: ``store``/``intake`` (a read's page into the store), ``knowledge`` and
``morphology`` (``[[answers.rules]]``), ``answers`` (decisions as outbox effects),
``channel`` (delivery, read back), ``listing`` (the commands' views), ``satisfaction``.
"""
