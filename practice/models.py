# Models holding one user's private practice data; deleting an account deletes their rows.
PRIVATE_MODELS = []
