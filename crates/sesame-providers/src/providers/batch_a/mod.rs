//! Catalog providers (one module per provider).

use crate::Entry;

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

pub use bitbucket::bitbucket;
pub use discord::discord;
pub use facebook::facebook;
pub use fitbit::fitbit;
pub use gitlab::gitlab;
pub use kakao::kakao;
pub use line::line;
pub use linkedin::linkedin;
pub use naver::naver;
pub use notion::notion;
pub use seznam::seznam;
pub use soundcloud::soundcloud;
pub use spotify::spotify;
pub use tidal::tidal;
pub use twitter::twitter;
pub use yandex::yandex;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        facebook::entry(),
        gitlab::entry(),
        bitbucket::entry(),
        discord::entry(),
        linkedin::entry(),
        twitter::entry(),
        spotify::entry(),
        fitbit::entry(),
        notion::entry(),
        kakao::entry(),
        naver::entry(),
        line::entry(),
        yandex::entry(),
        seznam::entry(),
        soundcloud::entry(),
        tidal::entry(),
    ]
}
