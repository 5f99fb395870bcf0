## cyberbridge console: srpski, latinica (the Cyrillic catalogue is made from this one by
## transliteration, `console::i18n::cyrillic`). Not yet reviewed by a legal translator: legal
## terms (marked `# legal: unreviewed`) follow the Serbian text of the Convention on
## Cybercrime where it exists and must be reviewed before a pilot.

skip-to-content = Pređi na sadržaj
nav-label = Glavna navigacija
nav-requests = Zahtevi za podatke
nav-account = Nalog
nav-sign-out = Odjava
footer = cyberbridge · informacije prijavljene na platformi, postupa se po zakonu svakog člana

sign-in-title = Prijava
field-email = E-pošta
field-password = Lozinka
field-code = Kod
sign-in-button = Prijavi se
sign-in-code-optional = Šestocifreni kod iz aplikacije za potvrdu identiteta ili kod za oporavak. Ostavite prazno ako još nemate drugi faktor.
sign-in-code-hint = Unesite šestocifreni kod iz aplikacije za potvrdu identiteta ili jedan od kodova za oporavak.
sign-in-failed = E-pošta ili lozinka nisu ispravni, ili je nalog privremeno zaključan posle previše pokušaja.
sign-in-wrong-code = Taj kod nije ispravan. Sačekajte sledeći kod i pokušajte ponovo.
sign-in-again = Prijava je trajala predugo ili je bilo previše pokušaja. Počnite ponovo sa e-poštom i lozinkom.

error-detail = Detalji
error-home = Idi na početnu stranu
error-reference = Oznaka za službu podrške: { $id }
error-invalid-title = Nešto u obrascu treba ispraviti
error-invalid-next = Vratite se, ispravite ono što je navedeno ispod i pošaljite ponovo.
error-signed-out-title = Odjavljeni ste
error-signed-out-next = Prijavite se ponovo da biste nastavili.
error-forbidden-title = Ovo vam nije dozvoljeno
error-forbidden-next = Vaša organizacija ili uloga ovo ne dozvoljava. Obratite se administratoru organizacije ako mislite da vam je potrebno.
error-not-found-title = Nije pronađeno
error-not-found-next = Ne postoji ili nije vidljivo vašoj organizaciji. Proverite vezu ili se vratite na spisak.
error-conflict-title = U međuvremenu je promenjeno
error-conflict-next = Neko je to promenio dok ste gledali. Osvežite stranu, proverite stanje i pokušajte ponovo.
error-gone-title = Više nije dostupno
error-gone-next = Zapečaćeno je ili uklonjeno. Detalji ispod navode razlog.
error-too-many-title = Previše pokušaja
error-too-many-next = Sačekajte minut i pokušajte ponovo.
error-unavailable-title = Privremeno nedostupno
error-unavailable-next = Platforma trenutno ne može da dođe do baze podataka. Pokušajte za minut; ništa nije sačuvano.
error-failed-title = Došlo je do greške na našoj strani
error-failed-next = Ništa nije sačuvano. Pokušajte ponovo; ako se ponovi, dajte službi podrške oznaku ispod.

requests-title = Zahtevi za podatke
requests-boxes = Fascikle
requests-new = Novi zahtev
requests-empty = U ovoj fascikli nema zahteva.
requests-caption = Prvo otvoreni hitni zahtevi, zatim po roku.
requests-more = Stariji zahtevi
box-received = Primljeni
box-issued = Poslati
box-to_validate = Za odobrenje

col-reference = Oznaka
col-type = Vrsta
col-urgency = Hitnost
col-status = Stanje
col-from = Od
col-to = Za
col-case = Broj predmeta
col-deadline = Rok
col-file = Datoteka
col-size = Veličina (bajtova)
col-signed-in = Prijava
col-last-seen = Poslednja aktivnost
col-address = Adresa
col-second-factor = Drugi faktor
col-action = Radnja

deadline-none = Bez roka
deadline-closed = Zatvoren
deadline-overdue = Rok istekao { $when }
deadline-soon = Rok uskoro: { $when }
deadline-due = Rok { $when }

# legal: unreviewed (Konvencija o visokotehnološkom kriminalu, čl. 16-18)
type-subscriber_info = Podaci o pretplatniku
type-traffic_data = Podaci o saobraćaju
type-content_data = Podaci o sadržaju
type-preservation = Hitno čuvanje podataka
type-account_info = Podaci o računu
type-transaction_history = Istorija transakcija
type-domain_registration_info = Podaci o registraciji domena
type-freeze_funds = Zamrzavanje sredstava

# legal: unreviewed
category-subscriber = Podaci o pretplatniku
category-ip_identification = Identifikacija IP adrese
category-traffic = Podaci o saobraćaju
category-content = Podaci o sadržaju
category-transaction = Transakcije

urgency-emergency = Hitno (opasnost)
urgency-urgent = Prioritetno
urgency-routine = Redovno

status-pending_validation = Čeka odobrenje
status-validation_rejected = Odobrenje odbijeno
status-submitted = Poslat
status-acknowledged = Prijem potvrđen
status-in_progress = U obradi
status-clarification_requested = Traženo pojašnjenje
status-fulfilled = Odgovoreno
status-partially_fulfilled = Delimično odgovoreno
status-rejected = Odbijen
status-withdrawn = Povučen

to-submitted = Pošalji ponovo
to-acknowledged = Potvrdi prijem
to-in_progress = Označi kao u obradi
to-clarification_requested = Zatraži pojašnjenje
to-fulfilled = Označi kao odgovoreno
to-partially_fulfilled = Označi kao delimično odgovoreno
to-rejected = Odbij
to-withdrawn = Povuci
to-pending_validation = Vrati na odobrenje
to-validation_rejected = Uskrati odobrenje

reason-data_not_held = Ne raspolažemo traženim podacima
reason-not_our_service = Nije naša usluga
reason-request_incomplete = Zahtev je nepotpun
reason-identifier_invalid = Identifikator nije ispravan
# legal: unreviewed
reason-legal_basis_insufficient = Nedovoljan pravni osnov
reason-conflicting_obligation = Sukob sa drugom zakonskom obavezom
reason-technically_impossible = Tehnički nemoguće
reason-other = Drugo

kind-isp = internet provajder
kind-bank = banka
kind-prosecution = tužilaštvo
kind-court = sud

request-facts = Zahtev
request-validator = Odobrava (tužilaštvo ili sud)
# legal: unreviewed
request-legal-basis = Pravni osnov
request-categories = Kategorije podataka
request-period = Period podataka
request-no-notification = Ne obaveštavati klijenta pre
request-officer = Službeno lice koje je izdalo zahtev
request-validated-by = Službeno lice koje je odobrilo
request-sealed = Odgovori zapečaćeni
request-identifiers = Identifikatori
request-observed = uočeno
request-print-order = Potpisani nalog i potvrde o prijemu (za štampu)

validate-title = Odobrenje
validate-note-hint = Vaši razlozi. Obavezni za odbijanje; potpisuju se uz vašu odluku.
validate-approve = Odobri
validate-reject = Odbij

move-title = Sledeći korak
move-reason-hint = Obavezno za odbijanje: zašto se na zahtev ne može odgovoriti.
field-reason = Razlog
field-note = Napomena

answer-title = Odgovor
field-records = Zapisi
answer-records-hint = Jedan zapis po bloku redova, svaki red "naziv: vrednost" (prazan red počinje sledeći zapis), ili JSON niz.
field-files = Datoteke
answer-files-hint = Do 20 datoteka, do 25 MiB svaka. SHA-256 svake datoteke se beleži i prikazuje podnosiocu zahteva.
answer-send = Pošalji odgovor

# legal: unreviewed
extend-title = Čuvanje podataka
extend-until = Podaci se čuvaju do { $when }.
extend-button = Produži za 90 dana

answers-title = Odgovori
messages-title = Poruke
messages-none = Još nema poruka.
field-message = Poruka
messages-send = Pošalji poruku
history-title = Istorija

done-issued = Zahtev je poslat.
done-moved = Zahtev je prešao u sledeći korak.
done-validated = Vaša odluka je zabeležena i potpisana.
done-extended = Čuvanje je produženo.
done-message = Vaša poruka je poslata.
done-answered = Vaš odgovor je poslat.
done-session-ended = Sesija je završena.

new-title = Novi zahtev za podatke
new-fix = Zahtev nije poslat. Ispravite sledeće i pošaljite ponovo:
new-pick-addressee = izaberite organizaciju kojoj ide zahtev
new-pick-type = izaberite vrstu zahteva
field-addressee = Primalac
field-type = Vrsta zahteva
field-case = Broj predmeta
# legal: unreviewed
field-provision = Zakonska odredba
new-provision-hint = Navedene odredbe, npr. "ZKP čl. 123; Budimpeštanska konvencija čl. 18".
field-legal-text = Tekst naloga
new-urgency-hint = Redovno: 10 dana. Prioritetno: 3 dana. Hitno (opasnost po život ili bezbednost): 8 sati.
field-justification = Obrazloženje hitnosti
new-justification-hint = Samo za hitne slučajeve: najmanje 50 znakova o opasnosti po život ili bezbednost.
new-identifier = Identifikator { $n }
field-identifier-type = Vrsta
field-identifier-value = Vrednost
field-port = Port
field-observed = Uočeno
new-zone-hint = U vašoj vremenskoj zoni ({ $zone }).
field-period-from = Podaci od
field-period-to = Podaci do
new-validator-hint = Potrebno kada zakon traži odobrenje tužioca ili sudije; zahtev stiže primaocu tek posle odobrenja.
new-send = Pošalji zahtev

order-title = Potpisani nalog
order-none = Još nema potpisanih dokumenata: nalog se potpisuje kada stigne primaocu.
order-verified = Potpis je ispravan
order-not-verified = Potpis NIJE ispravan
order-key = Ključ za potpisivanje
order-back = Nazad na zahtev
document-order = Nalog
document-validation = Odluka o odobrenju
document-response = Odgovor

account-title = Nalog
account-sessions = Vaše sesije
account-this-session = ova sesija
account-end-session = Završi ovu sesiju
account-sign-out-everywhere = Odjavi se svuda
account-password = Lozinka
field-current-password = Trenutna lozinka
field-new-password = Nova lozinka
account-password-hint = Najmanje 12 znakova. Svaka sesija, uključujući ovu, završava se kada se lozinka promeni.
account-password-change = Promeni lozinku
account-password-wrong = Trenutna lozinka nije ispravna.
yes = Da
no = Ne

notices-title = Obaveštenja
notice-request_received = Novi zahtev { $reference } u vašoj fascikli
notice-validation_requested = Zahtev { $reference } čeka vaše odobrenje
notice-validation_due = Rok za odobrenje zahteva { $reference } ističe uskoro
notice-validation_overdue = Rok za odobrenje zahteva { $reference } je istekao
notice-deadline_near = Bliži se rok za odgovor na zahtev { $reference }
notice-overdue = Rok za odgovor na zahtev { $reference } je istekao
notice-preservation_expiring = Čuvanje podataka po zahtevu { $reference } ističe uskoro
notice-message = Nova poruka u vezi sa zahtevom { $reference }
notice-answered = Na zahtev { $reference } je odgovoreno
notice-new_address = Prijava sa nove adrese

mail-request_received-subject = Novi zahtev za podatke { $reference }
mail-request_received-body = Zahtev za podatke ({ $reference }) je stigao u fasciklu vaše organizacije na platformi cyberbridge.
mail-validation_requested-subject = Traži se odobrenje: { $reference }
mail-validation_requested-body = U zahtevu za podatke ({ $reference }) vaš organ je određen da ga odobri.
mail-validation_due-subject = Rok za odobrenje ističe: { $reference }
mail-validation_due-body = Rok za odobrenje zahteva za podatke { $reference } uskoro ističe.
mail-validation_overdue-subject = Rok za odobrenje je istekao: { $reference }
mail-validation_overdue-body = Rok za odobrenje zahteva za podatke { $reference } je istekao.
mail-deadline_near-subject = Rok blizu: { $reference }
mail-deadline_near-body = Rok za odgovor na zahtev za podatke { $reference } je blizu.
mail-overdue-subject = Rok istekao: { $reference }
mail-overdue-body = Rok za odgovor na zahtev za podatke { $reference } je istekao, a odgovor nije dat.
mail-preservation_expiring-subject = Čuvanje ističe: { $reference }
mail-preservation_expiring-body = Čuvanje podataka naloženo zahtevom { $reference } uskoro ističe; izdavalac ga može produžiti.
mail-message-subject = Nova poruka: { $reference }
mail-message-body = Postoji nova poruka u vezi sa zahtevom za podatke { $reference }.
mail-answered-subject = Odgovoreno: { $reference }
mail-answered-body = Na zahtev za podatke { $reference } je odgovoreno.
mail-new_address-subject = Nova prijava na vaš cyberbridge nalog
mail-new_address-body = Na vaš nalog je upravo izvršena prijava sa adrese koja ranije nije korišćena. Ako to niste bili vi, odjavite se svuda sa stranice naloga i obavestite administratora organizacije.
mail-deadline = Rok: { $when }
mail-link = Otvorite u konzoli (prvo se prijavite): { $link }
mail-footer = Ovo obaveštenje kaže šta se dogodilo, nikada sadržaj predmeta. Dobijate ga kao član vaše organizacije na platformi cyberbridge; obaveštenja osim hitnih i bezbednosnih možete isključiti na stranici naloga.

enrol-title = Postavite lozinku
enrol-intro = Administrator vaše organizacije vam je dao token za aktivaciju naloga. Njime postavljate sopstvenu lozinku; niko drugi je nikada ne zna.
field-token = Token za aktivaciju naloga
enrol-token-hint = Nalepite token tačno kako ste ga dobili (oba dela, jedan za drugim, ako je stigao u dva dela).
enrol-password-hint = Najmanje 12 znakova.
field-password-again = Nova lozinka, ponovo
enrol-passwords-differ = lozinke se ne podudaraju
enrol-button = Postavi lozinku
enrol-link = Imate token za aktivaciju naloga? Postavite lozinku
sign-in-enrolled = Vaša lozinka je postavljena. Prijavite se njome.

factor-title = Drugi faktor
factor-section = Drugi faktor
factor-none = Još nemate drugi faktor. Uz njega, sama ukradena lozinka nije dovoljna za pristup vašem nalogu.
factor-have = Vaš nalog štiti drugi faktor (aplikacija za potvrdu identiteta).
factor-set-up = Postavi drugi faktor
factor-scan = Skenirajte ovaj kod aplikacijom za potvrdu identiteta (na primer FreeOTP, Aegis ili Google Authenticator), zatim unesite šestocifreni kod koji prikazuje.
factor-qr-label = QR kod tajne vašeg drugog faktora
factor-or-type = Ili unesite ovu tajnu u aplikaciju:
factor-confirm = Potvrdi
factor-wrong-code = Taj kod nije ispravan.
factor-start-again = Počni ponovo
factor-done = Vaš drugi faktor je aktivan. Ostale sesije su završene.
factor-codes = Kodovi za oporavak
factor-codes-hint = Svakim kodom možete se jednom prijaviti ako izgubite telefon. Zapišite ih ili odštampajte sada: prikazuju se samo ovaj put.
factor-continue = Nastavi
factor-required = Vaša uloga zahteva drugi faktor: postavite ga pre svega ostalog.

new-unreadable = ne može da se pročita: proverite format
new-time-skipped = ne postoji u vašoj vremenskoj zoni (satovi preskaču taj sat): proverite vreme
new-time-twice = dešava se dvaput u vašoj vremenskoj zoni (satovi se te noći vraćaju): izaberite UTC kao vremensku zonu u Nalogu i unesite vreme u UTC
new-period-both = navedite i početak i kraj perioda ili nijedno

org-title = Vaša organizacija
org-link = Vaša organizacija: osobe i katalog
org-people = Osobe
org-col-person = Osoba
org-col-role = Uloga
org-col-officer = Službeno lice
org-col-last-login = Poslednja prijava
org-inactive = deaktiviran
org-accredit = Akredituj kao službeno lice
org-function = Funkcija
org-registration = Registarski broj
org-may-issue = Sme da izdaje zahteve za podatke
org-may-validate = Sme da odobrava zahteve za podatke
org-save-officer = Sačuvaj
org-new-link = Nova veza za aktivaciju
org-deactivate = Deaktiviraj
org-reactivate = Ponovo aktiviraj
org-add = Dodaj osobu
org-name = Ime
org-add-button = Dodaj i napravi token za aktivaciju
org-token-title = Token za aktivaciju naloga
org-token-hint = Sami predajte ovaj token osobi { $email } (lično ili preko kanala kojem verujete); prikazuje se samo ovaj put. Njime ta osoba postavlja lozinku na /console/enrol.
org-token-until = Važi do { $when }.
org-catalogue = Šta možete da pružite (katalog mogućnosti)
org-catalogue-hint = Podnosioci zahteva ovo vide pre slanja: šta čuvate za svaku vrstu, koliko dugo, šta zahtev mora da sadrži ili navede, i vaš kontakt 24/7 za hitne slučajeve.
org-supported = Odgovaramo na ovu vrstu zahteva
org-data-held = Podaci kojima raspolažemo
org-retention = Rok čuvanja (npr. "evidencija dodele IP adresa: 12 meseci")
org-legal = Šta zahtev mora da sadrži ili navede
org-contact = Kontakt 24/7 za hitne slučajeve
org-phone = Telefon (E.164, npr. +38344123456)
org-publish = Objavi katalog
role-member = Član
role-org_admin = Administrator organizacije
done-filed = Podneto: čeka drugog administratora platforme.
done-person-changed = Izmena je sačuvana.
done-catalogue = Katalog je objavljen.
org-token-value = Token za predaju

prefs-title = Podešavanja
prefs-language = Jezik
prefs-browser-language = Jezik pregledača
prefs-zone = Vremenska zona
prefs-platform-zone = Zona platforme ({ $zone })
prefs-notices = Šalji mi obaveštenja e-poštom
prefs-notices-hint = Hitna i bezbednosna obaveštenja šalju se u svakom slučaju.
prefs-save = Sačuvaj podešavanja
done-preferences = Vaša podešavanja su sačuvana.

catalogue-title = Šta ova organizacija navodi da može da pruži
catalogue-supported = odgovara
catalogue-not-supported = ne odgovara
catalogue-none = Ova organizacija nije objavila katalog: pre hitnog slučaja obratite se njenom kontaktu 24/7.

verify-title = Proverite potpisani dokument
verify-link = Proverite potpisani dokument
verify-intro = Nalepite dokument koji je platforma potpisala (nalog, odluku o odobrenju, odgovor) onako kako ste ga dobili: tekst tačno kako je potpisan i njegov odvojeni potpis. Proverava se prema objavljenim ključevima platforme.
verify-payload = Potpisani tekst (kanonski JSON)
verify-jws = Odvojeni potpis (JWS)
verify-button = Proveri
verify-key = potpisano objavljenim ključem { $kid }

case-title = Trenutni predmet
case-intro = Predmet na kojem sada radite. Njegova oznaka se upisuje u nove zahteve, a liste prvo prikazuju njegove zahteve. Prestaje kada se odjavite.
case-intro-owed = Vaša organizacija svaki put navodi zašto pretražuje. Ovde jednom izaberite predmet i razlog: konzola ih prenosi u svaku pretragu i zahtev dok ih ne promenite ili se ne odjavite.
case-purpose = Svrha
case-use = Koristi ovaj predmet
case-clear = Bez trenutnog predmeta
case-current = Trenutni predmet
case-change = Promeni
case-none = Nema trenutnog predmeta.
case-none-owed = Nema trenutnog predmeta: pretrage će tražiti svrhu.
case-choose = Izaberite predmet
case-only = Prikazani su zahtevi predmeta { $case }.
case-all = Prikaži sve predmete
# legal: unreviewed
purpose-criminal_investigation = Krivična istraga
# legal: unreviewed
purpose-criminal_proceedings = Krivični postupak
purpose-financial_analysis = Finansijska analiza (FOJ)
purpose-fraud_prevention = Sprečavanje prevare u toku
purpose-victim_support = Pomoć žrtvi
purpose-threat_intelligence = Obaveštajni podaci o pretnjama i prevencija
purpose-supervision = Nadzor
purpose-data_subject_request = Zahtev lica na koje se podaci odnose
purpose-other = Drugo

new-type-hint = Nude se samo vrste na koje ova organizacija odgovara.
new-validator-needed = Tabela pravila traži sledeće: { $kinds }; nude se samo one iz vaše zemlje.
new-validator-none = nije potrebno
new-check = Proveri pre slanja
or = {" ili "}
outline-title = Pre slanja
outline-pick = Izaberite primaoca i vrstu: ovaj panel tada kaže ko potvrđuje zahtev i do kada treba odgovoriti.
outline-validation-needed = Prema tabeli { $table }, ovaj zahtev pre nego što stigne primaocu potvrđuje: { $kinds }.
outline-validation-none = Prema tabeli { $table }, ovom zahtevu nije potrebna potvrda: stiže do { $addressee } čim ga pošaljete.
outline-validator-reads = Onaj ko potvrđuje čita i odgovore.
outline-no-validators = Na platformi još nema organizacije koja može da ga potvrdi: zahtev ne može biti poslat dok je ne bude.
outline-conflict = Pravila koja važe za ovaj zahtev traže potvrdu koju nijedna organizacija ne može dati: ne može se poslati ovakav. Promenite vrstu ili kategorije podataka.
outline-emergency-first = Kao hitan, šalje se odmah; potvrda je potrebna do { $due }.
outline-deadline-now = Ako ga pošaljete sada, { $addressee } mora odgovoriti do { $deadline }.
outline-deadline-later = { $addressee } će imati { $allowed } da odgovori od prijema zahteva, posle potvrde.
allowed-emergency = 8 sati
allowed-urgent = 3 dana
allowed-routine = 10 dana

nav-lookup = Provera
lookup-title = Provera
lookup-value = Vrednost za proveru
lookup-value-hint = IBAN, IP adresa, domen, URL, e-adresa, broj telefona (+ i pozivni broj zemlje), novčanik ili heš: vrsta se prepoznaje.
lookup-type = Vrsta
lookup-recognise = Prepoznaj
lookup-purpose = Zašto pretražujete
lookup-purpose-owed = Vaša organizacija navodi svrhu svake pretrage: navedite je ovde ili izaberite trenutni predmet u zaglavlju.
lookup-purpose-optional = Neobavezno za vašu organizaciju: ako je navedena, čuva se uz zapis revizije pretrage.
lookup-button = Proveri
lookup-unrecognised = Platforma ne prepoznaje ovu vrednost: izaberite njenu vrstu ili proverite kako je napisana.
lookup-seen = Poznato: navedeno u važećim prijavama
lookup-stale = Poznato ranije: prijavama je istekla važnost
lookup-not-seen = Nije pronađeno u prijavama koje smete da vidite
lookup-disputed = Sporno: više organizacija ga je ocenilo kao lažnu uzbunu
lookup-confidence = Pouzdanost: { $confidence } od 100
lookup-sightings = Članovi su ga videli { $seen } puta; { $false } organizacija ga je ocenilo kao lažnu uzbunu.
lookup-own = Poslednje vaše organizacije: { $kind }, { $at }.
lookup-reports = Prijave koje ga navode, a koje smete da vidite
lookup-record-seen = I mi smo ga videli
lookup-record-false = Lažna uzbuna
col-category = Kategorija
col-confidence = Pouzdanost
col-valid-until = Važi do
sighting-seen = viđeno
sighting-false_positive = lažna uzbuna
sighting-expired = isteklo
done-sighting = Zabeleženo za vašu organizaciju.
indicator-iban = IBAN
indicator-bic = BIC
indicator-bank_account = Bankovni račun
indicator-ipv4 = IPv4 adresa
indicator-ipv6 = IPv6 adresa
indicator-domain = Domen
indicator-url = URL
indicator-email = E-adresa
indicator-phone = Broj telefona
indicator-crypto_wallet = Kripto novčanik
indicator-sha256 = SHA-256 heš
indicator-username = Korisničko ime
report-category-phishing = Fišing
report-category-business_email_compromise = Kompromitovanje poslovne e-pošte
report-category-investment_fraud = Investiciona prevara
report-category-romance_scam = Ljubavna prevara
report-category-account_takeover = Preuzimanje naloga
report-category-card_fraud = Prevara s karticama
report-category-online_shop_fraud = Prevara u onlajn prodavnici
report-category-ransomware = Ransomver
report-category-malware = Zlonamerni softver
report-category-ddos = DDoS
report-category-sextortion = Seksualna iznuda
report-category-money_mule = Novčana mazga
report-category-crypto_fraud = Kripto prevara
report-category-identity_theft = Krađa identiteta
report-category-other = Drugo
