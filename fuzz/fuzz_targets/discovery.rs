//! Discovery documents: `ProviderMetadata::from_response` / `from_json`
//! (OpenID Connect Discovery 1.0, RFC 8414), and the metadata URLs of an
//! issuer string.
//!
//! Mode 0: the input is a response (status, flags, body: see
//! `sesame_fuzz::response`) for the issuer `https://op.example.com`.
//! Mode 1: `expected issuer \0 document`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sesame_core::discovery::{self, MetadataKind, ProviderMetadata};
use sesame_fuzz::client::OP_ISSUER;
use sesame_fuzz::{mode, response, split, text};

fn check(issuer: &str, meta: &ProviderMetadata) {
    assert_eq!(meta.issuer.as_deref(), Some(issuer));
    for url in meta.urls() {
        assert!(
            discovery::is_secure_url(url),
            "insecure endpoint accepted: {url}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((m, rest)) = mode(data, 2) else {
        return;
    };
    if m == 0 {
        let resp = response(rest);
        if let Ok(meta) = ProviderMetadata::from_response(OP_ISSUER, &resp) {
            check(OP_ISSUER, &meta);
        }
    } else {
        let (issuer, doc) = split(rest);
        let issuer = text(issuer);
        for kind in [MetadataKind::OpenId, MetadataKind::OAuth] {
            if let Ok(url) = discovery::metadata_url(&issuer, kind) {
                assert!(discovery::is_secure_url(&url));
            }
        }
        let _ = discovery::discovery_request(&issuer);
        let key = discovery::cache_key(&issuer, Some("https://other.example"));
        let _ = discovery::split_cache_key(&key);
        if let Ok(meta) = ProviderMetadata::from_json(&issuer, doc) {
            check(&issuer, &meta);
        }
    }
});
