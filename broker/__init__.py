"""The district's Mosquitto: configuration template, broker accounts and their ACL."""
