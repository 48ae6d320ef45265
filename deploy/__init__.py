"""How Dauys runs for real: the nginx site (deploy/nginx/), the systemd units (deploy/systemd/), and
deploy/stack.py, which renders the one and runs the whole stack on this machine (`make serve`)."""
