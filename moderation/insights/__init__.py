"""What staff learn from the data: statistics, the dashboard and its charts,
exports (streamed files and export jobs), imports, and email digests.

Insights read the other parts of moderation; none of them reads insights.
"""
