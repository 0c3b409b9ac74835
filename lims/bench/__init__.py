"""Bench, scale, load and demo data (top floor of `lims`): `manage.py bench`, `seed_scale`, `loadtest`, `load_demo`.

These build whole centres through every app, so they import the domain apps freely; the core of `lims` does not.
`lims.bench` is an installed app (`BenchConfig`) only so that Django finds its management commands.
"""
