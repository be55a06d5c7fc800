"""Identity documents: validating, masking and protecting the numbers people hold."""
