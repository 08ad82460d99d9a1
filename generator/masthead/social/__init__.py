"""Social cards: the 1200×630 PNG a shared link previews with (``og:image``).

Drawn with Pillow and the DejaVu Sans fonts masthead ships, offline and byte for
byte the same on every machine with the same Pillow (:mod:`~masthead.social.draw`), and
kept in a cache folder by a hash of everything drawn, so an unchanged page costs
no drawing (:mod:`~masthead.social.store`).
"""
