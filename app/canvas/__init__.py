"""The Qt canvas: node and wire items, the scene that follows the document, the view, undo commands."""
