"""Assessments: the figures of ratings, waits and services, bad-rating cases, star ratings, exports.

The figures are pure functions over stored records (assess/records.py), so a
city centre runs the very same code over its own copy of the hall's records.
"""
