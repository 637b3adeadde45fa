//! `Store::redeem_code`: the first redemption of a code saves its family's
//! first refresh token; a replay or an unknown code saves nothing. The
//! memory store's one-step override and the two-step default agree.
mod common;
use common::server::block_on;
use common::*;
use serde_json::json;
use sesame_server::{
    redeem_in_two_steps, CodeGrant, CodeTake, FirstRefresh, MemoryStore, RefreshTake, Store,
};

fn grant(family: &str) -> CodeGrant {
    CodeGrant {
        client_id: "web".into(),
        redirect_uri: "https://app.example/cb".into(),
        code_challenge: "challenge".into(),
        scopes: vec!["openid".into()],
        subject: "user-42".into(),
        claims: json!({"role": "admin"}).as_object().cloned().unwrap(),
        nonce: None,
        expires_at: now() + secs(60),
        family: family.into(),
        dpop_jkt: None,
    }
}

fn first(key: &str) -> FirstRefresh {
    FirstRefresh {
        key: key.into(),
        expires_at: now() + secs(3600),
        dpop_jkt: Some("jkt-1".into()),
    }
}

#[test]
fn the_first_redemption_saves_the_token_and_a_replay_saves_none() {
    for one_step in [true, false] {
        let store = MemoryStore::default();
        let redeem = |code: &str, key: &str| {
            let f = first(key);
            block_on(async {
                if one_step {
                    store.redeem_code(code, &f, now()).await
                } else {
                    redeem_in_two_steps(&store, code, &f, now()).await
                }
            })
            .unwrap()
        };
        block_on(store.save_code("fam.c1", grant("fam"))).unwrap();
        assert_eq!(redeem("fam.c1", "fam.r1"), CodeTake::Fresh(grant("fam")));
        let saved = block_on(store.find_refresh("fam.r1", now())).unwrap();
        assert_eq!(saved, Some(first("fam.r1").grant(&grant("fam"))));
        assert_eq!(saved.unwrap().dpop_jkt.as_deref(), Some("jkt-1"));
        // A replay: told so, and no second token.
        assert_eq!(redeem("fam.c1", "fam.r2"), CodeTake::Replayed("fam".into()));
        assert_eq!(block_on(store.find_refresh("fam.r2", now())).unwrap(), None);
        // An unknown code, or one past its expiry: nothing saved.
        assert_eq!(redeem("fam.nope", "fam.r3"), CodeTake::Missing);
        block_on(store.save_code("old.c", grant("old"))).unwrap();
        let later = now() + secs(61);
        let f = first("old.r");
        let taken = block_on(store.redeem_code("old.c", &f, later)).unwrap();
        assert_eq!(taken, CodeTake::Missing);
        for key in ["fam.r3", "old.r"] {
            assert_eq!(block_on(store.find_refresh(key, now())).unwrap(), None);
        }
        // The saved token rotates like any other.
        let rotated =
            block_on(store.rotate_refresh("fam.r1", "fam.r4", now() + secs(60), now())).unwrap();
        assert!(matches!(rotated, RefreshTake::Current(_)), "{rotated:?}");
    }
}
