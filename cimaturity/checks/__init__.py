"""One module per check; `cimaturity.registry` lists them."""
