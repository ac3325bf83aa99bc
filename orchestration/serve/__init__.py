"""What people read: the performance pages, the Wednesday mail and the Retailer API."""
