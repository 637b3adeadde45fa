use serde_json::json;

use super::harness::*;

const AUTHORIZE: &str = "https://oauth.yandex.ru/authorize";
const TOKEN: &str = "https://oauth.yandex.ru/token";
const INFO: &str = "https://login.yandex.ru/info";

fn info() -> serde_json::Value {
    json!({"login": "ivan", "old_social_login": "uid-mmzxrnry", "default_email": "test@yandex.ru", "id": "1000034426", "client_id": "4760187d81bc4b7799476b42b5103713", "emails": ["test@yandex.ru", "other-test@yandex.ru"], "default_avatar_id": "131652443", "is_avatar_empty": false, "psuid": "1.AAceCw.tbHgw5DtJ9_zeqPrk-Ba2w.qPWSRC5v2t2IaksPJgnge", "first_name": "Иван", "last_name": "Иванов", "display_name": "Ivan", "real_name": "Иван Иванов", "sex": "male", "birthday": "1987-03-12"})
}

async fn start() -> Flow {
    let flow = Flow::start_with_secret(sesame_providers::yandex()).await;
    flow.assert_authorize(
        AUTHORIZE,
        &[
            ("client_id", CLIENT_ID),
            ("scope", "login:info login:email login:avatar"),
        ],
        true,
        false,
    );
    flow.fake.on("POST", TOKEN, json_reply(200, json!({"token_type": "bearer", "access_token": "AQAAAACy1C6ZAAAAfa6vDLuItEy8pg-iIpnDxIs", "expires_in": 31536000, "refresh_token": "1:GN686QVt0mmakDd9:A4pYuW9LGk0_UnlrMIWklkAuJkUWbq27loFekJVmSYrdfzdePBy7:A-2dHOmBxiXgajnD-kYOwQ"})));
    flow
}

#[tokio::test]
async fn yandex_login_uses_the_oauth_scheme_and_json_format() {
    let flow = start().await;
    let identity = flow.identity_after("GET", INFO, info()).await;
    Flow::assert_basic(&flow.token_request(TOKEN));
    let r = flow.fake.request_to("GET", INFO);
    assert_eq!(
        r.header("authorization").as_deref(),
        Some("OAuth AQAAAACy1C6ZAAAAfa6vDLuItEy8pg-iIpnDxIs")
    );
    assert_eq!(r.query.as_deref(), Some("format=json"));
    assert_identity(
        &identity,
        json!({"provider": "yandex", "id": "1000034426", "email": "test@yandex.ru", "email_verified": false, "name": "Иван Иванов", "given_name": "Иван", "family_name": "Иванов", "preferred_username": "ivan", "picture": "https://avatars.yandex.net/get-yapic/131652443/islands-200"}),
    );
}

#[tokio::test]
async fn yandex_without_email_or_avatar() {
    let flow = start().await;
    let mut i = info();
    let m = i.as_object_mut().unwrap();
    m.remove("default_email");
    m.remove("emails");
    m.insert("is_avatar_empty".into(), json!(true));
    let identity = flow.identity_after("GET", INFO, i).await;
    assert_identity(
        &identity,
        json!({"id": "1000034426", "email": null, "email_verified": false, "picture": null}),
    );
}

common_cases! {
    start: Flow::start_with_secret(sesame_providers::yandex()), token: TOKEN;
    invalid_grant: 400, json!({"error_description": "Code has expired", "error": "invalid_grant"});
}
