"""What the commands print and write: verify's text, JSON, JUnit and GitHub annotations, the
test-set files, find's and provisions' answers. Verification (earl.solver) computes; this layer
only presents."""
