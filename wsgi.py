import gc

from diplolearn import create_app

app = create_app()

# What start-up made (the app, its templates, SQLAlchemy's mappers, the catalogues) lives as long
# as the process: frozen, the cyclic collector stops scanning it on every collection, about a
# tenth of a page's time (bench/staff_scale.py, issue 16).
gc.collect()
gc.freeze()
