"""Views of the questions app, one module per area: browsing, the question page, answers, votes, comments."""
