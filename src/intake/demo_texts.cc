#include "intake/demo_texts.h"

#include <array>
#include <cctype>

namespace vigil::intake::demo {

size_t Rng::Weighted(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) total += w;
  double x = Uniform() * total;
  for (size_t i = 0; i < weights.size(); ++i) {
    if (x < weights[i]) return i;
    x -= weights[i];
  }
  return weights.size() - 1;
}

namespace {

using Strings = std::vector<std::string_view>;

struct Tpl {
  std::string_view lang;
  Cat cat;
  std::string_view text;
};

// Posts. Every language has the everyday categories; English, German, French and Spanish also
// have the rarer ones (other languages fall back to English for those).
// clang-format off
constexpr Tpl kPosts[] = {
    // ---- English
    {"en", Cat::kBenign, "Finally tried the new ramen place in {city}. Worth the {num} minute wait, honestly."},
    {"en", Cat::kBenign, "Anyone else's train stuck outside {city} again? Third time this week."},
    {"en", Cat::kBenign, "Happy birthday to my sister {name}! {num} years of putting up with me 🎉"},
    {"en", Cat::kBenign, "Our under-12s won {num2}-1 today. Proud of every single one of them."},
    {"en", Cat::kBenign, "Selling my old bike, message me if you're around {city}. Pickup only."},
    {"en", Cat::kBenign, "Reminder: the community garden meets {day} at 10. Bring gloves!"},
    {"en", Cat::kBenign, "New photo set from the coast near {city}. The light this evening was unreal."},
    {"en", Cat::kPolitical, "The new housing bill does nothing for renters in {city}. Thread on what it actually changes 🧵"},
    {"en", Cat::kPolitical, "I disagree with the minister on this one. A {pct}% cut to public transport funding is a mistake."},
    {"en", Cat::kPolitical, "Watched the debate last night. Neither side had a real answer on energy prices."},
    {"en", Cat::kPolitical, "Council voted {num} to {num2} to close the library in {city}. Write to your representative."},
    {"en", Cat::kPolitical, "Say what you want about the opposition, but their childcare plan is at least costed."},
    {"en", Cat::kPolitical, "Hot take: we should be talking about wages, not culture war distractions."},
    {"en", Cat::kPolitical, "Tonight on the stream: the budget, explained in {num} charts. Questions welcome."},
    {"en", Cat::kPolitical, "The government promised {big} new homes. I counted what was actually built in {city}."},
    {"en", Cat::kPolitical, "Polling in {city} has the governing party down {pct} points. Not a blip any more."},
    {"en", Cat::kSpam, "Buy followers cheap!! 1000 followers for {price}$ 👉 {link}"},
    {"en", Cat::kSpam, "🔥 Get {big} views on your videos TODAY, real accounts, no password needed: {link}"},
    {"en", Cat::kSpam, "Work from home and earn {price}€ a day, click {link} now!!!"},
    {"en", Cat::kSpam, "FREE {brand} gift card for the first {num} people, just follow and repost {link}"},
    {"en", Cat::kScam, "Double your crypto in 24h 🚀 Send any amount and get 2x back. DM me!"},
    {"en", Cat::kScam, "I turned {price}$ into {big}$ with this trading bot. Only {num} spots left, DM me"},
    {"en", Cat::kScam, "Your parcel could not be delivered. Pay the {price} EUR customs fee here: {link}"},
    {"en", Cat::kScam, "Congratulations {name}! You won a brand new {product}. Claim it before midnight: {link}"},
    {"en", Cat::kHarassment, "everyone go tell {handle} she's worthless"},
    {"en", Cat::kHarassment, "{handle} nobody likes you, just delete your account already"},
    {"en", Cat::kHarassment, "Can we all agree {handle} is the most pathetic person on this app? Flood her replies 😂"},
    {"en", Cat::kHarassment, "I know where you work {handle}. Keep posting and see what happens."},
    {"en", Cat::kHateSpeech, "Immigrants in {city} are ruining everything. They should all be sent back."},
    {"en", Cat::kHateSpeech, "People like them shouldn't be allowed to vote. They will never be like us."},
    {"en", Cat::kMisinformation, "Polls close on {day} this year, not Sunday. Spread the word!"},
    {"en", Cat::kMisinformation, "BREAKING: the election has been postponed by {num2} weeks, the ministry just confirmed it."},
    {"en", Cat::kMisinformation, "Doctors don't want you to know: lemon water cures the flu in {num} hours."},
    {"en", Cat::kMisinformation, "The tap water in {city} has had sedatives added since last year. Don't drink it."},
    {"en", Cat::kImpersonation, "This is the official support account of {brand}. DM us your login so we can verify your account."},
    {"en", Cat::kImpersonation, "Hi, I'm {name} from the {brand} security team. Reply with the code we just sent you."},
    {"en", Cat::kIpInfringement, "Full movie of the new {brand} Studios release in HD, free download here: {link}"},
    {"en", Cat::kIpInfringement, "All {num2} seasons, no ads, no subscription 👉 {link}"},
    {"en", Cat::kPrivacy, "This is {name}'s home address and phone number, do what you want with it: Maple Street {num}, {city}"},
    {"en", Cat::kPrivacy, "Found the real name of {handle}: {name}, works at the pharmacy in {city}. Go say hi 👋"},
    {"en", Cat::kIllegalProduct, "Prescription painkillers, no prescription needed, discreet shipping to {city}. DM"},
    {"en", Cat::kIllegalProduct, "Selling fake ID cards, any country, {price}€, ready in {num2} days"},
    {"en", Cat::kViolence, "If I see {name} at {city} station again I swear they won't walk away from it."},
    {"en", Cat::kViolence, "Someone should teach {handle} a lesson they won't forget. I'm serious."},
    {"en", Cat::kAdultNudity, "🔞 Link in bio for my uncensored pics, {price}$ for the full set"},
    {"en", Cat::kAdultNudity, "New spicy content just dropped 😈 subscribers only {link}"},
    {"en", Cat::kSelfHarm, "I don't see the point anymore. Nobody would even notice if I disappeared tonight."},
    {"en", Cat::kViolentExtremism, "Join the movement. The day of reckoning is coming and we will be ready. Meet in {city} on {day}."},
    {"en", Cat::kViolentExtremism, "Our brothers did what had to be done. Share this video before they take it down."},
    // ---- German
    {"de", Cat::kBenign, "Endlich das neue Café in {city} ausprobiert. Der Käsekuchen ist ein Traum!"},
    {"de", Cat::kBenign, "Schon wieder {num} Minuten Verspätung bei der Bahn. Wer kennt's?"},
    {"de", Cat::kBenign, "Alles Gute zum Geburtstag, {name}! Auf die nächsten {num} Jahre 🎉"},
    {"de", Cat::kPolitical, "Das neue Mietgesetz hilft Mietern in {city} kaum. Ein Thread dazu, was sich wirklich ändert 🧵"},
    {"de", Cat::kPolitical, "Ich sehe das anders als die Ministerin: {pct}% weniger Geld für den Nahverkehr ist ein Fehler."},
    {"de", Cat::kSpam, "Günstige Follower kaufen! 1000 Follower für nur {price}€ 👉 {link}"},
    {"de", Cat::kSpam, "Verdiene {price}€ am Tag von zu Hause aus. Jetzt klicken: {link}"},
    {"de", Cat::kScam, "Verdopple dein Krypto in 24 Stunden 🚀 Schick mir einen beliebigen Betrag und du bekommst das Doppelte zurück. Schreib mir per DM!"},
    {"de", Cat::kScam, "Ihr Paket konnte nicht zugestellt werden. Zahlen Sie {price} EUR Zollgebühr hier: {link}"},
    {"de", Cat::kHarassment, "Sagt {handle} mal alle, dass sie wertlos ist."},
    {"de", Cat::kHarassment, "{handle} niemand mag dich, lösch endlich deinen Account."},
    {"de", Cat::kHateSpeech, "Die Ausländer in {city} machen alles kaputt. Die sollen alle wieder dahin, wo sie herkommen."},
    {"de", Cat::kMisinformation, "Die Wahllokale schließen dieses Jahr am {day}, nicht am Sonntag. Weitersagen!"},
    {"de", Cat::kMisinformation, "EILMELDUNG: Die Wahl wird um {num2} Wochen verschoben, das Ministerium hat es gerade bestätigt."},
    {"de", Cat::kImpersonation, "Dies ist der offizielle Support von {brand}. Schick uns deine Zugangsdaten per DM zur Verifizierung."},
    {"de", Cat::kIpInfringement, "Der neue Kinofilm in HD, kostenlos herunterladen: {link}"},
    {"de", Cat::kPrivacy, "Das ist die Adresse von {name}: Lindenstraße {num}, {city}. Macht damit, was ihr wollt."},
    {"de", Cat::kIllegalProduct, "Schmerzmittel ohne Rezept, diskreter Versand nach {city}. Schreib mir."},
    {"de", Cat::kViolence, "Wenn ich {name} noch einmal in {city} sehe, wird er es bereuen."},
    {"de", Cat::kAdultNudity, "🔞 Link in der Bio für meine unzensierten Bilder"},
    {"de", Cat::kSelfHarm, "Ich sehe keinen Sinn mehr. Niemand würde merken, wenn ich heute Nacht verschwinde."},
    {"de", Cat::kViolentExtremism, "Schließt euch der Bewegung an. Der Tag der Abrechnung kommt. Treffpunkt {city}, {day}."},
    // ---- French
    {"fr", Cat::kBenign, "Enfin testé la nouvelle boulangerie à {city}. Les croissants valent le détour !"},
    {"fr", Cat::kBenign, "Encore {num} minutes de retard sur la ligne ce matin. Quelle surprise…"},
    {"fr", Cat::kBenign, "Joyeux anniversaire {name} ! Vivement les {num} prochaines années 🎉"},
    {"fr", Cat::kPolitical, "La réforme ne règle rien pour les jeunes à {city}. Petit thread pour expliquer 🧵"},
    {"fr", Cat::kPolitical, "Je ne suis pas d'accord avec le ministre : réduire de {pct}% le budget des transports est une erreur."},
    {"fr", Cat::kSpam, "Achetez des abonnés pas cher ! 1000 abonnés pour {price}€ 👉 {link}"},
    {"fr", Cat::kSpam, "Gagnez {price}€ par jour depuis chez vous, cliquez ici : {link}"},
    {"fr", Cat::kScam, "Doublez vos cryptos en 24h 🚀 Envoyez n'importe quel montant et recevez le double. Écrivez-moi en DM !"},
    {"fr", Cat::kScam, "Votre colis n'a pas pu être livré. Réglez {price} EUR de frais de douane ici : {link}"},
    {"fr", Cat::kHarassment, "Allez tous dire à {handle} qu'elle ne vaut rien."},
    {"fr", Cat::kHarassment, "{handle} personne ne t'aime, supprime ton compte."},
    {"fr", Cat::kHateSpeech, "Les immigrés à {city} gâchent tout. Qu'ils rentrent tous chez eux."},
    {"fr", Cat::kMisinformation, "Cette année les bureaux de vote ferment le {day}, pas le dimanche. Faites passer !"},
    {"fr", Cat::kMisinformation, "URGENT : l'élection est reportée de {num2} semaines, le ministère vient de le confirmer."},
    {"fr", Cat::kImpersonation, "Ceci est le compte officiel du support {brand}. Envoyez-nous vos identifiants en DM pour vérifier votre compte."},
    {"fr", Cat::kIpInfringement, "Le dernier film en HD, téléchargement gratuit ici : {link}"},
    {"fr", Cat::kPrivacy, "Voici l'adresse de {name} : {num} rue des Lilas, {city}. Faites-en ce que vous voulez."},
    {"fr", Cat::kIllegalProduct, "Antidouleurs sans ordonnance, livraison discrète à {city}. Contactez-moi en DM."},
    {"fr", Cat::kViolence, "Si je revois {name} à {city}, il va le regretter."},
    {"fr", Cat::kAdultNudity, "🔞 Lien en bio pour mes photos non censurées"},
    {"fr", Cat::kSelfHarm, "Je ne vois plus l'intérêt de continuer. Personne ne remarquerait si je disparaissais ce soir."},
    {"fr", Cat::kViolentExtremism, "Rejoignez le mouvement. Le jour du jugement approche. Rendez-vous à {city} le {day}."},
    // ---- Spanish
    {"es", Cat::kBenign, "Por fin probé el nuevo bar de tapas en {city}. ¡Las croquetas están increíbles!"},
    {"es", Cat::kBenign, "Otra vez {num} minutos de retraso en el metro. Ya ni me sorprende."},
    {"es", Cat::kBenign, "¡Feliz cumpleaños, {name}! Por muchos años más 🎉"},
    {"es", Cat::kPolitical, "La nueva ley de vivienda no soluciona nada para los inquilinos de {city}. Hilo 🧵"},
    {"es", Cat::kPolitical, "No estoy de acuerdo con la ministra: recortar un {pct}% el transporte público es un error."},
    {"es", Cat::kSpam, "¡Compra seguidores baratos! 1000 seguidores por solo {price}€ 👉 {link}"},
    {"es", Cat::kSpam, "Gana {price}€ al día desde casa, haz clic aquí: {link}"},
    {"es", Cat::kScam, "Duplica tus criptomonedas en 24h 🚀 Envía cualquier cantidad y recibe el doble. ¡Escríbeme por DM!"},
    {"es", Cat::kScam, "Tu paquete no pudo ser entregado. Paga {price} EUR de aduana aquí: {link}"},
    {"es", Cat::kHarassment, "Id todos a decirle a {handle} que no vale nada."},
    {"es", Cat::kHarassment, "{handle} nadie te soporta, borra tu cuenta ya."},
    {"es", Cat::kHateSpeech, "Los inmigrantes de {city} lo están arruinando todo. Que se vuelvan todos a su país."},
    {"es", Cat::kMisinformation, "Este año los colegios electorales cierran el {day}, no el domingo. ¡Compártelo!"},
    {"es", Cat::kMisinformation, "ÚLTIMA HORA: las elecciones se aplazan {num2} semanas, el ministerio acaba de confirmarlo."},
    {"es", Cat::kImpersonation, "Esta es la cuenta oficial de soporte de {brand}. Envíanos tus datos de acceso por DM para verificar tu cuenta."},
    {"es", Cat::kIpInfringement, "La película del año en HD, descarga gratis aquí: {link}"},
    {"es", Cat::kPrivacy, "Esta es la dirección de {name}: Calle Mayor {num}, {city}. Haced lo que queráis."},
    {"es", Cat::kIllegalProduct, "Analgésicos sin receta, envío discreto a {city}. Escríbeme."},
    {"es", Cat::kViolence, "Si vuelvo a ver a {name} en {city}, se va a arrepentir."},
    {"es", Cat::kAdultNudity, "🔞 Enlace en mi bio para mis fotos sin censura"},
    {"es", Cat::kSelfHarm, "Ya no le veo sentido a nada. Nadie notaría si desapareciera esta noche."},
    {"es", Cat::kViolentExtremism, "Únete al movimiento. Se acerca el día del ajuste de cuentas. Nos vemos en {city} el {day}."},
    // ---- Italian
    {"it", Cat::kBenign, "Finalmente ho provato la nuova pizzeria a {city}. Ne è valsa la pena!"},
    {"it", Cat::kBenign, "Altri {num} minuti di ritardo del treno stamattina. Che novità…"},
    {"it", Cat::kPolitical, "La nuova legge sugli affitti non aiuta chi vive a {city}. Un thread per spiegare 🧵"},
    {"it", Cat::kPolitical, "Non sono d'accordo con il ministro: tagliare del {pct}% i fondi per i trasporti è un errore."},
    {"it", Cat::kSpam, "Compra follower a poco prezzo! 1000 follower a soli {price}€ 👉 {link}"},
    {"it", Cat::kSpam, "Guadagna {price}€ al giorno da casa, clicca qui: {link}"},
    {"it", Cat::kScam, "Raddoppia le tue crypto in 24 ore 🚀 Invia qualsiasi importo e ricevi il doppio. Scrivimi in DM!"},
    {"it", Cat::kScam, "Il tuo pacco non è stato consegnato. Paga {price} EUR di dogana qui: {link}"},
    {"it", Cat::kHarassment, "Andate tutti a dire a {handle} che non vale niente."},
    {"it", Cat::kHarassment, "{handle} nessuno ti sopporta, cancella il tuo account."},
    {"it", Cat::kHateSpeech, "Gli immigrati a {city} stanno rovinando tutto. Che tornino tutti a casa loro."},
    {"it", Cat::kMisinformation, "Quest'anno i seggi chiudono {day}, non domenica. Fate girare!"},
    {"it", Cat::kMisinformation, "ULTIM'ORA: le elezioni sono rinviate di {num2} settimane, il ministero lo ha appena confermato."},
    // ---- Polish (slots only where no declension is needed)
    {"pl", Cat::kBenign, "{city} o poranku wygląda dziś pięknie ☀️ Miłego dnia wszystkim!"},
    {"pl", Cat::kBenign, "Znowu {num} minut opóźnienia pociągu. Kto by się spodziewał…"},
    {"pl", Cat::kPolitical, "Nowa ustawa mieszkaniowa nic nie daje najemcom. Wątek o tym, co naprawdę się zmienia 🧵"},
    {"pl", Cat::kPolitical, "Nie zgadzam się z ministrem: cięcie o {pct}% funduszy na transport publiczny to błąd."},
    {"pl", Cat::kSpam, "Kup tanich obserwujących! 1000 obserwujących za jedyne {price} zł 👉 {link}"},
    {"pl", Cat::kSpam, "Zarabiaj {price} zł dziennie z domu, kliknij tutaj: {link}"},
    {"pl", Cat::kScam, "Podwój swoje krypto w 24h 🚀 Wyślij dowolną kwotę, a odeślemy ci dwa razy więcej. Napisz do mnie na DM!"},
    {"pl", Cat::kScam, "Twoja paczka nie mogła zostać doręczona. Zapłać {price} zł opłaty celnej tutaj: {link}"},
    {"pl", Cat::kHarassment, "Wszyscy napiszcie do {handle}, że jest nic nie warta."},
    {"pl", Cat::kHarassment, "{handle} nikt cię nie lubi, usuń wreszcie konto."},
    {"pl", Cat::kHateSpeech, "Imigranci niszczą to miasto. Niech wszyscy wracają tam, skąd przyszli."},
    {"pl", Cat::kMisinformation, "W tym roku lokale wyborcze zamykają {day}, nie w niedzielę. Przekażcie dalej!"},
    {"pl", Cat::kMisinformation, "PILNE: wybory zostały przełożone, ministerstwo właśnie to potwierdziło."},
    // ---- Dutch
    {"nl", Cat::kBenign, "Eindelijk het nieuwe koffietentje in {city} geprobeerd. Die appeltaart is echt top!"},
    {"nl", Cat::kBenign, "Alweer {num} minuten vertraging met de trein. Wie had dat gedacht…"},
    {"nl", Cat::kPolitical, "De nieuwe huurwet helpt huurders in {city} nauwelijks. Een draadje over wat er echt verandert 🧵"},
    {"nl", Cat::kPolitical, "Ik ben het niet eens met de minister: {pct}% bezuinigen op het openbaar vervoer is een vergissing."},
    {"nl", Cat::kSpam, "Koop goedkope volgers! 1000 volgers voor maar {price}€ 👉 {link}"},
    {"nl", Cat::kSpam, "Verdien {price}€ per dag vanuit huis, klik hier: {link}"},
    {"nl", Cat::kScam, "Verdubbel je crypto in 24 uur 🚀 Stuur een willekeurig bedrag en ontvang het dubbele terug. Stuur me een DM!"},
    {"nl", Cat::kScam, "Je pakket kon niet worden bezorgd. Betaal {price} EUR invoerrechten via: {link}"},
    {"nl", Cat::kHarassment, "Ga allemaal tegen {handle} zeggen dat ze waardeloos is."},
    {"nl", Cat::kHarassment, "{handle} niemand mag je, verwijder je account gewoon."},
    {"nl", Cat::kHateSpeech, "De immigranten in {city} verpesten alles. Ze moeten allemaal terug naar waar ze vandaan komen."},
    {"nl", Cat::kMisinformation, "Dit jaar sluiten de stembureaus op {day}, niet op zondag. Deel dit!"},
    {"nl", Cat::kMisinformation, "BREAKING: de verkiezingen zijn {num2} weken uitgesteld, het ministerie heeft het net bevestigd."},
    // ---- Portuguese
    {"pt", Cat::kBenign, "Finalmente experimentei a nova pastelaria em {city}. Os pastéis de nata são incríveis!"},
    {"pt", Cat::kBenign, "Mais {num} minutos de atraso no comboio hoje. Que surpresa…"},
    {"pt", Cat::kPolitical, "A nova lei da habitação não resolve nada para os inquilinos de {city}. Uma thread sobre o que muda 🧵"},
    {"pt", Cat::kPolitical, "Não concordo com a ministra: cortar {pct}% do financiamento dos transportes públicos é um erro."},
    {"pt", Cat::kSpam, "Compra seguidores baratos! 1000 seguidores por apenas {price}€ 👉 {link}"},
    {"pt", Cat::kSpam, "Ganha {price}€ por dia a partir de casa, clica aqui: {link}"},
    {"pt", Cat::kScam, "Duplica as tuas criptomoedas em 24h 🚀 Envia qualquer valor e recebe o dobro. Manda-me DM!"},
    {"pt", Cat::kScam, "A sua encomenda não pôde ser entregue. Pague {price} EUR de taxas alfandegárias aqui: {link}"},
    {"pt", Cat::kHarassment, "Vão todos dizer a {handle} que ela não vale nada."},
    {"pt", Cat::kHarassment, "{handle} ninguém gosta de ti, apaga a tua conta."},
    {"pt", Cat::kHateSpeech, "Os imigrantes em {city} estão a estragar tudo. Que voltem todos para a terra deles."},
    {"pt", Cat::kMisinformation, "Este ano as urnas fecham na {day}, não no domingo. Partilhem!"},
    {"pt", Cat::kMisinformation, "URGENTE: as eleições foram adiadas {num2} semanas, o ministério acabou de confirmar."},
};
// clang-format on

// clang-format off
constexpr Tpl kBios[] = {
    {"en", Cat::kBenign, "Dad, runner, terrible cook. {city}."},
    {"en", Cat::kBenign, "Photographer based in {city} 📷 prints available, DMs open"},
    {"en", Cat::kPolitical, "Political commentator. Columns on housing, wages and the budget. Views my own."},
    {"en", Cat::kSpam, "Followers 💯 Likes 💯 Views 💯 cheap and fast, link below 👇 {link}"},
    {"en", Cat::kScam, "Crypto mentor 📈 I help people 10x their savings. DM to start"},
    {"en", Cat::kScam, "Forex signals 💰 {pct}% weekly returns guaranteed. Limited members."},
    {"en", Cat::kImpersonation, "Official {brand} Customer Support 🔵 DM us for help with your account"},
    {"en", Cat::kImpersonation, "{brand} Giveaways, official partner page. Winners announced daily!"},
    {"en", Cat::kHarassment, "This account exists to expose {handle}. Send me everything you have on her."},
    {"en", Cat::kHateSpeech, "Proud patriot. Immigration is destroying {city}. No DMs."},
    {"en", Cat::kAdultNudity, "🔞 18+ only, spicy content, link in bio"},
    {"en", Cat::kViolentExtremism, "Waiting for the day of reckoning. Join the channel before it gets banned."},
    {"en", Cat::kChildSafety, "New account, photos coming soon"},
};
// clang-format on

// clang-format off
constexpr Tpl kListings[] = {
    {"en", Cat::kBenign, "Used {product}, good condition, {price} EUR, pickup in {city}"},
    {"en", Cat::kIllegalProduct, "Prescription sleeping pills, no prescription needed, {price} EUR per box, discreet shipping"},
    {"en", Cat::kIllegalProduct, "Fake driving licence, any EU country, {price} EUR, ready in {num2} days"},
    {"en", Cat::kIpInfringement, "{brand} replica sneakers 1:1 quality, {price} EUR, all sizes in stock"},
    {"en", Cat::kIpInfringement, "Designer handbag mirror copy, looks 100% original, {price} EUR"},
    {"en", Cat::kScam, "Selling a {product}, brand new and sealed, only {price} EUR! Payment by gift card only"},
};
// clang-format on

struct ReasonText {
  std::string_view reason;
  std::string_view text;
};

// clang-format off
constexpr ReasonText kExplanations[] = {
    {"spam", "Spam, this account posts the same link everywhere"},
    {"spam", "Bot spam in my replies again"},
    {"spam", "Keeps posting this ad under every post"},
    {"scam", "This is a scam, they asked me to send money first"},
    {"scam", "Fake giveaway, the link asks for your login"},
    {"scam", "My friend lost {price} euros to this account"},
    {"hate_speech", "Hateful post targeting immigrants"},
    {"hate_speech", "This is hate speech against a group of people"},
    {"hate_speech", "Dehumanising language, please remove"},
    {"harassment", "They are telling people to pile on {handle}"},
    {"harassment", "This user keeps harassing me and my friends"},
    {"harassment", "Bullying"},
    {"violent_extremism", "Glorifies an attack and asks people to share it"},
    {"violent_extremism", "Recruitment post for an extremist group"},
    {"self_harm", "I'm worried about this person, please check on them"},
    {"self_harm", "Post talks about ending their life"},
    {"child_safety", "Please review, I think this involves a minor"},
    {"child_safety", "Concerned about the safety of a child in this post"},
    {"misinformation", "False information about the election date"},
    {"misinformation", "Fake news, the ministry never said this"},
    {"misinformation", "Dangerous health misinformation"},
    {"impersonation", "This account is pretending to be {brand}"},
    {"impersonation", "Fake support account impersonating a company"},
    {"impersonation", "Someone is using my photos and my name"},
    {"ip_infringement", "Pirated content, we hold the rights to this"},
    {"ip_infringement", "Illegal stream of a film still in cinemas"},
    {"privacy", "They posted someone's home address"},
    {"privacy", "Doxxing, this shares my personal information"},
    {"illegal_product", "Selling prescription drugs without a prescription"},
    {"illegal_product", "Fake documents for sale"},
    {"violence", "Threat of violence against a named person"},
    {"violence", "This is a threat, please act quickly"},
    {"adult_nudity", "Nudity, not marked as adult content"},
    {"adult_nudity", "Porn spam in the replies"},
    {"other", "I just don't like this"},
    {"other", "Not sure which category, but this seems wrong"},
    {"other", "Offensive"},
};
// clang-format on

// Five organisations; specialities decide what they report.
// clang-format off
const std::vector<TrustedFlagger> kTrustedFlaggers = {
    {"tf-netzwacht", "Netzwacht e.V.", "meldungen@netzwacht.example", "NW",
     {Cat::kHateSpeech, Cat::kViolentExtremism, Cat::kHarassment}},
    {"tf-vigilance-numerique", "Vigilance Numérique", "signalements@vigilance-numerique.example", "VN",
     {Cat::kHateSpeech, Cat::kHarassment, Cat::kPrivacy, Cat::kViolence}},
    {"tf-consumer-shield", "Consumer Shield Europe", "notices@consumershield.example", "CSE",
     {Cat::kScam, Cat::kIllegalProduct, Cat::kSpam}},
    {"tf-brand-integrity", "Brand Integrity Alliance", "takedowns@brandintegrity.example", "BIA",
     {Cat::kIpInfringement, Cat::kImpersonation}},
    {"tf-safe-childhood", "Safe Childhood Hotline Network", "hotline@safechildhood.example", "SCH",
     {Cat::kChildSafety, Cat::kAdultNudity, Cat::kSelfHarm}},
};
// clang-format on

// Orders by authority, legal ground and the language of the content they usually concern.
// clang-format off
const std::vector<LegalOrderTemplate> kLegalTemplates = {
    {"de", "hate_speech", {"DE"}, "Bundesnetzagentur", "§ 130 StGB (Volksverhetzung)", "BNetzA-DSA"},
    {"de", "violent_extremism", {"DE"}, "Bundeskriminalamt", "§ 86a und § 131 StGB", "BKA-ZMI"},
    {"de", "scam", {"DE", "AT"}, "Staatsanwaltschaft Köln", "§ 263 StGB (Betrug)", "StA-K"},
    {"de", "privacy", {"DE"}, "Landesanstalt für Medien NRW", "§ 201a StGB, § 22 KUG", "LfM"},
    {"fr", "hate_speech", {"FR"}, "Arcom", "Article 24 de la loi du 29 juillet 1881", "ARCOM"},
    {"fr", "violent_extremism", {"FR"}, "OCLCTIC / PHAROS", "Article 6-1 de la LCEN", "PHAROS"},
    {"fr", "ip_infringement", {"FR"}, "Arcom", "Article L. 336-2 du Code de la propriété intellectuelle", "ARCOM-PI"},
    {"it", "ip_infringement", {"IT"}, "AGCOM", "Delibera 680/13/CONS (diritto d'autore online)", "AGCOM-DDA"},
    {"it", "hate_speech", {"IT"}, "AGCOM", "Art. 604-bis del Codice penale", "AGCOM"},
    {"it", "scam", {"IT"}, "Polizia Postale", "Art. 640 del Codice penale (truffa)", "PP"},
    {"es", "hate_speech", {"ES"}, "CNMC", "Artículo 510 del Código Penal", "CNMC"},
    {"es", "illegal_product", {"ES"}, "AEMPS", "Ley 29/2006 de garantías de los medicamentos", "AEMPS"},
    {"nl", "hate_speech", {"NL"}, "Autoriteit Consument & Markt", "Artikel 137d Wetboek van Strafrecht", "ACM"},
    {"nl", "scam", {"NL", "BE"}, "Autoriteit Consument & Markt", "Artikel 326 Wetboek van Strafrecht", "ACM"},
    {"pl", "hate_speech", {"PL"}, "Urząd Komunikacji Elektronicznej", "Art. 256 i 257 Kodeksu karnego", "UKE"},
    {"pt", "scam", {"PT"}, "ANACOM", "Artigo 217.º do Código Penal (burla)", "ANACOM"},
    {"en", "illegal_product", {"IE"}, "Coimisiún na Meán", "Misuse of Drugs Act 1977, section 15", "CNAM"},
    {"en", "ip_infringement", {"IE"}, "High Court of Ireland", "Copyright and Related Rights Act 2000, s. 40", "HCI"},
    {"en", "privacy", {"IE"}, "Data Protection Commission", "Article 17 GDPR (right to erasure)", "DPC"},
    {"en", "scam", {"IE", "NL", "DE"}, "CPC Network (coordinated action)", "Regulation (EU) 2017/2394, Art. 9(4)(g)", "CPC"},
};
// clang-format on

struct LangWords {
  std::string_view lang;
  Strings first, last, cities,
      days;  // days: Monday..Saturday, as used after the templates' preposition
};

const std::vector<LangWords>& Words() {
  static const std::vector<LangWords> words = {
      {"en",
       {"Jane", "Oliver", "Amelia", "Jack", "Priya", "Liam", "Chloe", "Noah", "Grace", "Ethan"},
       {"Smith", "Taylor", "Brown", "Walsh", "Patel", "Murphy", "Evans", "Hughes", "Clarke"},
       {"Leeds", "Bristol", "Dublin", "Manchester", "Cork", "Glasgow", "Brighton", "Norwich"},
       {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}},
      {"de",
       {"Lena", "Jonas", "Hannah", "Lukas", "Mia", "Felix", "Sophie", "Paul", "Emma", "Jan"},
       {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Wagner"},
       {"Berlin", "Köln", "Leipzig", "Hamburg", "München", "Bremen", "Dresden", "Graz"},
       {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}},
      {"fr",
       {"Camille", "Lucas", "Chloé", "Hugo", "Léa", "Louis", "Manon", "Jules", "Inès"},
       {"Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefebvre", "Roux", "Fournier"},
       {"Lyon", "Marseille", "Nantes", "Lille", "Bordeaux", "Toulouse", "Liège", "Strasbourg"},
       {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}},
      {"es",
       {"Lucía", "Hugo", "Martina", "Pablo", "Sofía", "Álvaro", "Carmen", "Diego", "Elena"},
       {"García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Torres"},
       {"Madrid", "Valencia", "Sevilla", "Bilbao", "Zaragoza", "Málaga", "Granada"},
       {"lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}},
      {"it",
       {"Giulia", "Marco", "Sofia", "Luca", "Chiara", "Matteo", "Francesca", "Davide"},
       {"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"},
       {"Torino", "Bologna", "Napoli", "Firenze", "Genova", "Verona", "Bari"},
       {"lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}},
      {"pl",
       {"Anna", "Jakub", "Zofia", "Kacper", "Julia", "Mateusz", "Maja", "Piotr"},
       {"Nowak", "Kowalczyk", "Wiśniewski", "Wójcik", "Kamińska", "Lewandowski", "Zielińska"},
       {"Kraków", "Gdańsk", "Wrocław", "Poznań", "Łódź", "Lublin", "Toruń"},
       {"w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę"}},
      {"nl",
       {"Sanne", "Daan", "Emma", "Bram", "Lotte", "Sem", "Fleur", "Thijs", "Noor"},
       {"de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Peeters"},
       {"Utrecht", "Rotterdam", "Gent", "Eindhoven", "Groningen", "Antwerpen", "Leiden"},
       {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"}},
      {"pt",
       {"Beatriz", "João", "Inês", "Tiago", "Mariana", "Rui", "Catarina", "Duarte"},
       {"Silva", "Santos", "Ferreira", "Pereira", "Costa", "Oliveira", "Rodrigues", "Sousa"},
       {"Lisboa", "Porto", "Braga", "Coimbra", "Faro", "Aveiro", "Funchal"},
       // Feminine days only: the template says "na {day}".
       {"segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"}},
  };
  return words;
}

const LangWords& WordsFor(std::string_view lang) {
  for (const LangWords& w : Words())
    if (w.lang == lang) return w;
  return Words().front();
}

const Strings kBrands = {"PayWave", "Streamly", "NovaPhone", "ShopRight",
                         "Bankly",  "GameHub",  "Lumen",     "Parcelo"};
const Strings kProducts = {"NovaPhone 15 Pro",
                           "gaming console",
                           "e-bike",
                           "espresso machine",
                           "pair of noise-cancelling headphones",
                           "4K TV",
                           "robot vacuum"};
const Strings kHandles = {"jane", "mia_k", "tom.h",  "lena_b",  "marco",   "sofia.r", "anna_w",
                          "kuba", "noor",  "joao_m", "chloe_d", "priya.s", "emma_v",  "lucia"};
const Strings kLinkDomains = {"promo-deal.example",   "get-likes.example",  "free-gift.example",
                              "quick-profit.example", "parcel-fee.example", "stream-free.example"};

std::string Code(Rng& rng, size_t n) {
  static constexpr std::string_view kAlnum = "abcdefghijkmnpqrstuvwxyz23456789";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kAlnum[rng.Below(kAlnum.size())];
  return s;
}

template <size_t N>
std::array<std::vector<Strings>, kCatCount> IndexByCat(const Tpl (&table)[N], size_t langs) {
  std::array<std::vector<Strings>, kCatCount> index;
  for (auto& per_lang : index) per_lang.resize(langs);
  for (const Tpl& t : table) {
    for (size_t l = 0; l < langs; ++l)
      if (Languages()[l] == t.lang) index[static_cast<size_t>(t.cat)][l].push_back(t.text);
  }
  return index;
}

const Strings kNone;

}  // namespace

std::string_view ReasonCode(Cat c) {
  static constexpr std::array<std::string_view, kCatCount> kCodes = {"",
                                                                     "",
                                                                     "spam",
                                                                     "scam",
                                                                     "hate_speech",
                                                                     "harassment",
                                                                     "violent_extremism",
                                                                     "self_harm",
                                                                     "child_safety",
                                                                     "misinformation",
                                                                     "impersonation",
                                                                     "ip_infringement",
                                                                     "privacy",
                                                                     "illegal_product",
                                                                     "violence",
                                                                     "adult_nudity"};
  return kCodes[static_cast<size_t>(c)];
}

bool IsViolation(Cat c) { return c != Cat::kBenign && c != Cat::kPolitical; }

const std::vector<TrustedFlagger>& TrustedFlaggers() { return kTrustedFlaggers; }

const std::vector<LegalOrderTemplate>& LegalOrderTemplates() { return kLegalTemplates; }

const std::vector<std::string_view>& Languages() {
  static const Strings langs = {"en", "de", "fr", "es", "it", "pl", "nl", "pt"};
  return langs;
}

const std::vector<std::string_view>& PostTemplates(std::string_view lang, Cat cat) {
  static const auto index = IndexByCat(kPosts, Languages().size());
  if (cat == Cat::kChildSafety) cat = Cat::kBenign;
  for (size_t l = 0; l < Languages().size(); ++l)
    if (Languages()[l] == lang) return index[static_cast<size_t>(cat)][l];
  return kNone;
}

const std::vector<std::string_view>& AccountBios(Cat cat) {
  static const auto index = IndexByCat(kBios, 1);
  return index[static_cast<size_t>(cat)][0];
}

const std::vector<std::string_view>& ProductListings(Cat cat) {
  static const auto index = IndexByCat(kListings, 1);
  return index[static_cast<size_t>(cat)][0];
}

const std::vector<std::string_view>& Explanations(std::string_view reason) {
  static const auto index = [] {
    std::vector<std::pair<std::string_view, Strings>> out;
    for (const ReasonText& r : kExplanations) {
      if (out.empty() || out.back().first != r.reason) out.push_back({r.reason, {}});
      out.back().second.push_back(r.text);
    }
    return out;
  }();
  for (const auto& [code, texts] : index)
    if (code == reason) return texts;
  return index.back().second;  // "other"
}

std::string Fill(std::string_view tpl, std::string_view lang, Rng& rng) {
  const LangWords& w = WordsFor(lang);
  std::string out;
  out.reserve(tpl.size() + 32);
  size_t i = 0;
  while (i < tpl.size()) {
    const size_t open = tpl.find('{', i);
    const size_t close = open == std::string_view::npos ? open : tpl.find('}', open);
    if (close == std::string_view::npos) {
      out.append(tpl.substr(i));
      break;
    }
    out.append(tpl.substr(i, open - i));
    const std::string_view slot = tpl.substr(open + 1, close - open - 1);
    if (slot == "name")
      out += rng.Pick(w.first);
    else if (slot == "handle")
      out += "@" + std::string(rng.Pick(kHandles)) + std::to_string(rng.Range(1, 99));
    else if (slot == "city")
      out += rng.Pick(w.cities);
    else if (slot == "day")
      out += rng.Pick(w.days);
    else if (slot == "num")
      out += std::to_string(rng.Range(3, 59));
    else if (slot == "num2")
      out += std::to_string(rng.Range(2, 9));
    else if (slot == "big")
      out += std::to_string(rng.Range(2, 60) * 1000);
    else if (slot == "price")
      out += std::to_string(rng.Range(5, 99) * (rng.Chance(0.3) ? 10 : 1) - 1);
    else if (slot == "pct")
      out += std::to_string(rng.Range(5, 40));
    else if (slot == "brand")
      out += rng.Pick(kBrands);
    else if (slot == "product")
      out += rng.Pick(kProducts);
    else if (slot == "link")
      out += "https://" + std::string(rng.Pick(kLinkDomains)) + "/" + Code(rng, 6);
    else
      out.append(tpl.substr(open, close - open + 1));
    i = close + 1;
  }
  return out;
}

std::string PersonName(std::string_view lang, Rng& rng) {
  const LangWords& w = WordsFor(lang);
  return std::string(rng.Pick(w.first)) + " " + std::string(rng.Pick(w.last));
}

std::string HandleFrom(std::string_view display_name) {
  std::string h;
  for (char c : display_name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x80 && std::isalnum(u))
      h += static_cast<char>(std::tolower(u));
    else if (c == ' ' && !h.empty() && h.back() != '_')
      h += '_';
  }
  return h.empty() ? "user" : h;
}

std::string BurstPost(std::string_view marker, Rng& rng) {
  static const Strings kOpen = {"🚀", "💰", "🔥", "✅", "⚡"};
  static const Strings kVerb = {"Double", "2x", "Multiply"};
  static const Strings kWhen = {"in 24h", "within 24 hours", "by tomorrow", "overnight"};
  static const Strings kHow = {"instantly", "right away", "guaranteed", "within minutes"};
  static const Strings kEnd = {"💎", "🤑", "📈", "🙌", ""};
  std::string s = std::string(rng.Pick(kOpen)) + " " + std::string(rng.Pick(kVerb)) +
                  " your crypto " + std::string(rng.Pick(kWhen)) +
                  "! Send any amount of BTC or ETH and get double back " +
                  std::string(rng.Pick(kHow)) + ". Only " + std::to_string(rng.Range(3, 20)) +
                  " spots left 👉 https://" + std::string(marker) + "/" + Code(rng, 5);
  const std::string_view end = rng.Pick(kEnd);
  if (!end.empty()) s += " " + std::string(end);
  return s;
}

std::string BurstAccountName(Rng& rng) {
  static const Strings kKind = {"Crypto Coach",  "BTC Mentor",    "Wealth Club",
                                "Elon Giveaway", "Daily Profits", "Coin Signals"};
  return std::string(rng.Pick(kKind)) + " " + std::string(rng.Pick(WordsFor("en").first));
}

}  // namespace vigil::intake::demo
