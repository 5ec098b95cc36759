"""Small generic pieces every feature uses: clock, money, pagination, ids."""
