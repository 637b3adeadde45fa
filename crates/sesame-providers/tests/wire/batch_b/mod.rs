//! Wire fixtures (one module per provider).
