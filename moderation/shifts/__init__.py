"""The shift lifecycle (create and plan, update, start, cancel, finish:
`lifecycle`) and the applications to a shift (`applications`).

The lowest part of moderation: the others build on it, it imports none of them.
"""
