"""Spiders. One generic spider serves every site; see municipal.py."""
