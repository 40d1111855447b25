"""The CRM store: tables, engine factory, migrations and bulk upsert.

It knows SQL, not marketplaces.
"""
