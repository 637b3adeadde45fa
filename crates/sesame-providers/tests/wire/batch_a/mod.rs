//! Wire fixtures (one module per provider).
mod bitbucket;
mod discord;
mod facebook;
mod fitbit;
mod gitlab;
mod kakao;
mod line;
mod linkedin;
mod naver;
mod notion;
mod seznam;
mod soundcloud;
mod spotify;
mod tidal;
mod twitter;
mod yandex;
