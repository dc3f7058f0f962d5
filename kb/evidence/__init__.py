"""Evidence views over the stored records: filters and vocabulary resolution, outcome pages,
comparison tables and rows, studies, reviews, saved comparisons."""
