pub mod harness;

mod apple;
mod batch_a;
mod batch_b;
mod github;
mod google;
mod microsoft;
