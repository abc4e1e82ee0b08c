"""The local web interface: a page to upload a photo, pick a method and download the result."""
