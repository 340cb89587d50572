"""Sources: a team's shared document read again and again and kept in step with the map."""
