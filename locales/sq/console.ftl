## cyberbridge console: shqip. Not yet reviewed by a legal translator: every legal term below
## (marked `# legal: unreviewed`) follows the Albanian text of the Convention on Cybercrime
## where it exists and must be reviewed before a pilot.

skip-to-content = Kalo te përmbajtja
nav-label = Navigimi kryesor
nav-requests = Kërkesat për të dhëna
nav-account = Llogaria
nav-sign-out = Dilni
footer = cyberbridge · informacion i raportuar në platformë, i trajtuar sipas ligjit të secilit anëtar

sign-in-title = Hyni
field-email = E-mail
field-password = Fjalëkalimi
field-code = Kodi
sign-in-button = Hyni
sign-in-code-optional = Kodi 6-shifror nga aplikacioni i vërtetimit, ose një kod rikuperimi. Lëreni bosh nëse ende nuk keni faktor të dytë.
sign-in-code-hint = Shkruani kodin 6-shifror nga aplikacioni i vërtetimit, ose një nga kodet e rikuperimit.
sign-in-failed = E-maili ose fjalëkalimi nuk është i saktë, ose llogaria është bllokuar përkohësisht pas shumë përpjekjeve.
sign-in-wrong-code = Ky kod nuk është i saktë. Prisni kodin e radhës dhe provoni përsëri.
sign-in-again = Hyrja zgjati shumë ose pati shumë përpjekje. Filloni përsëri me e-mailin dhe fjalëkalimin.

error-detail = Hollësi
error-home = Shkoni në faqen fillestare
error-reference = Referenca për mbështetjen teknike: { $id }
error-invalid-title = Diçka në formular duhet korrigjuar
error-invalid-next = Kthehuni, korrigjoni atë që përmendet më poshtë dhe dërgojeni përsëri.
error-signed-out-title = Keni dalë nga sistemi
error-signed-out-next = Hyni përsëri për të vazhduar.
error-forbidden-title = Nuk ju lejohet ta bëni këtë
error-forbidden-next = Organizata ose roli juaj nuk e lejon këtë. Pyesni administratorin e organizatës nëse mendoni se ju nevojitet.
error-not-found-title = Nuk u gjet
error-not-found-next = Nuk ekziston, ose nuk është i dukshëm për organizatën tuaj. Kontrolloni lidhjen ose kthehuni te lista.
error-conflict-title = Ndryshoi ndërkohë
error-conflict-next = Dikush e ndryshoi ndërsa po e shikonit. Ringarkoni faqen, kontrolloni gjendjen dhe provoni përsëri.
error-gone-title = Nuk është më në dispozicion
error-gone-next = U bllokua ose u hoq. Hollësitë më poshtë tregojnë arsyen.
error-too-many-title = Shumë përpjekje
error-too-many-next = Prisni një minutë dhe provoni përsëri.
error-unavailable-title = Përkohësisht jashtë shërbimit
error-unavailable-next = Platforma nuk lidhet dot me bazën e të dhënave për momentin. Provoni pas një minute; asgjë nuk u ruajt.
error-failed-title = Diçka shkoi keq nga ana jonë
error-failed-next = Asgjë nuk u ruajt. Provoni përsëri; nëse ndodh sërish, jepini mbështetjes teknike referencën më poshtë.

requests-title = Kërkesat për të dhëna
requests-boxes = Kutitë
requests-new = Kërkesë e re
requests-empty = Nuk ka kërkesa në këtë kuti.
requests-caption = Së pari emergjencat e hapura, pastaj sipas afatit.
requests-more = Kërkesat e mëparshme
box-received = Të marra
box-issued = Të lëshuara
box-to_validate = Për miratim

col-reference = Referenca
col-type = Lloji
col-urgency = Urgjenca
col-status = Gjendja
col-from = Nga
col-to = Për
col-case = Referenca e çështjes
col-deadline = Afati
col-file = Skedari
col-size = Madhësia (bajt)
col-signed-in = Hyrja
col-last-seen = Parë së fundi
col-address = Adresa
col-second-factor = Faktori i dytë
col-action = Veprimi

deadline-none = Pa afat
deadline-closed = E mbyllur
deadline-overdue = Me vonesë që nga { $when }
deadline-soon = Afati afër: { $when }
deadline-due = Afati { $when }

# legal: unreviewed (Konventa për Krimin Kibernetik, nenet 16-18)
type-subscriber_info = Informacion për abonentin
type-traffic_data = Të dhëna të trafikut
type-content_data = Të dhëna të përmbajtjes
type-preservation = Ruajtje e përshpejtuar
type-account_info = Informacion për llogarinë
type-transaction_history = Historiku i transaksioneve
type-domain_registration_info = Të dhëna të regjistrimit të domenit
type-freeze_funds = Ngrirje e fondeve

# legal: unreviewed
category-subscriber = Informacion për abonentin
category-ip_identification = Identifikimi i adresës IP
category-traffic = Të dhëna të trafikut
category-content = Të dhëna të përmbajtjes
category-transaction = Transaksione

urgency-emergency = Emergjencë
urgency-urgent = Urgjente
urgency-routine = E zakonshme

status-pending_validation = Në pritje të miratimit
status-validation_rejected = Miratimi u refuzua
status-submitted = E dërguar
status-acknowledged = Marrja u konfirmua
status-in_progress = Në trajtim
status-clarification_requested = U kërkua sqarim
status-fulfilled = Me përgjigje
status-partially_fulfilled = Me përgjigje të pjesshme
status-rejected = U refuzua
status-withdrawn = U tërhoq

to-submitted = Dërgo përsëri
to-acknowledged = Konfirmo marrjen
to-in_progress = Shëno si në trajtim
to-clarification_requested = Kërko sqarim
to-fulfilled = Shëno si me përgjigje
to-partially_fulfilled = Shëno si me përgjigje të pjesshme
to-rejected = Refuzo
to-withdrawn = Tërhiq
to-pending_validation = Kthe për miratim
to-validation_rejected = Refuzo miratimin

reason-data_not_held = Të dhënat nuk mbahen
reason-not_our_service = Nuk është shërbimi ynë
reason-request_incomplete = Kërkesa është e paplotë
reason-identifier_invalid = Identifikuesi nuk është i vlefshëm
# legal: unreviewed
reason-legal_basis_insufficient = Baza ligjore e pamjaftueshme
reason-conflicting_obligation = Detyrim ligjor në konflikt
reason-technically_impossible = Teknikisht e pamundur
reason-other = Tjetër

kind-isp = ofrues interneti
kind-bank = bankë
kind-prosecution = prokurori
kind-court = gjykatë

request-facts = Kërkesa
request-validator = Miratohet nga (prokuroria ose gjykata)
# legal: unreviewed
request-legal-basis = Baza ligjore
request-categories = Kategoritë e të dhënave
request-period = Periudha e të dhënave
request-no-notification = Mos e njoftoni klientin para
request-officer = Zyrtari që e lëshoi
request-validated-by = Zyrtari që e miratoi
request-sealed = Përgjigjet u bllokuan
request-identifiers = Identifikuesit
request-observed = vërejtur më
request-print-order = Urdhri i nënshkruar dhe dëftesat (për shtypje)

validate-title = Miratimi
validate-note-hint = Arsyet tuaja. Të detyrueshme për refuzim; nënshkruhen me vendimin tuaj.
validate-approve = Mirato
validate-reject = Refuzo

move-title = Hapi i radhës
move-reason-hint = E detyrueshme për refuzim: pse nuk mund t'i përgjigjeni kërkesës.
field-reason = Arsyeja
field-note = Shënim

answer-title = Përgjigjja
field-records = Regjistrat
answer-records-hint = Një regjistër për çdo bllok rreshtash, çdo rresht "emri: vlera" (një rresht bosh fillon regjistrin e radhës), ose një varg JSON.
field-files = Skedarët
answer-files-hint = Deri në 20 skedarë, 25 MiB secili. SHA-256 e çdo skedari regjistrohet dhe i tregohet kërkuesit.
answer-send = Dërgo përgjigjen

# legal: unreviewed
extend-title = Ruajtja
extend-until = Të dhënat ruhen deri më { $when }.
extend-button = Zgjat me 90 ditë

answers-title = Përgjigjet
messages-title = Mesazhet
messages-none = Ende pa mesazhe.
field-message = Mesazhi
messages-send = Dërgo mesazhin
history-title = Historiku

done-issued = Kërkesa u dërgua.
done-moved = Kërkesa kaloi në hapin e radhës.
done-validated = Vendimi juaj u regjistrua dhe u nënshkrua.
done-extended = Ruajtja u zgjat.
done-message = Mesazhi juaj u dërgua.
done-answered = Përgjigjja juaj u dërgua.
done-session-ended = Sesioni u mbyll.

new-title = Kërkesë e re për të dhëna
new-fix = Kërkesa nuk u dërgua. Korrigjoni këto dhe dërgojeni përsëri:
new-pick-addressee = zgjidhni organizatën të cilës i drejtohet kërkesa
new-pick-type = zgjidhni llojin e kërkesës
field-addressee = Marrësi
field-type = Lloji i kërkesës
field-case = Referenca e çështjes
# legal: unreviewed
field-provision = Dispozita ligjore
new-provision-hint = Dispozitat e cituara, p.sh. "KPP neni 123; Konventa e Budapestit neni 18".
field-legal-text = Teksti i urdhrit
new-urgency-hint = E zakonshme: 10 ditë. Urgjente: 3 ditë. Emergjencë (rrezik për jetën ose sigurinë): 8 orë.
field-justification = Arsyetimi i emergjencës
new-justification-hint = Vetëm për emergjencë: të paktën 50 karaktere për rrezikun për jetën ose sigurinë.
new-identifier = Identifikuesi { $n }
field-identifier-type = Lloji
field-identifier-value = Vlera
field-port = Porta
field-observed = Vërejtur më
new-zone-hint = Në zonën tuaj kohore ({ $zone }).
field-period-from = Të dhënat nga
field-period-to = Të dhënat deri
new-validator-hint = E nevojshme kur ligji kërkon miratimin e prokurorit ose gjyqtarit; kërkesa i shkon marrësit pasi miratohet.
new-send = Dërgo kërkesën

order-title = Urdhri i nënshkruar
order-none = Ende pa dokumente të nënshkruara: urdhri nënshkruhet kur arrin te marrësi.
order-verified = Nënshkrimi u verifikua
order-not-verified = Nënshkrimi NUK është i vlefshëm
order-key = Çelësi i nënshkrimit
order-back = Kthehu te kërkesa
document-order = Urdhri
document-validation = Vendimi për miratimin
document-response = Përgjigjja

account-title = Llogaria
account-sessions = Sesionet tuaja
account-this-session = ky sesion
account-end-session = Mbyll këtë sesion
account-sign-out-everywhere = Dilni kudo
account-password = Fjalëkalimi
field-current-password = Fjalëkalimi aktual
field-new-password = Fjalëkalimi i ri
account-password-hint = Të paktën 12 karaktere. Çdo sesion, përfshirë këtë, mbyllet kur ndryshohet fjalëkalimi.
account-password-change = Ndrysho fjalëkalimin
account-password-wrong = Fjalëkalimi aktual nuk është i saktë.
yes = Po
no = Jo

notices-title = Njoftimet
notice-request_received = Kërkesë e re { $reference } në kutinë tuaj
notice-validation_requested = Kërkesa { $reference } pret miratimin tuaj
notice-validation_due = Afati për miratimin e { $reference } po mbaron
notice-validation_overdue = Afati për miratimin e { $reference } ka kaluar
notice-deadline_near = Afati i { $reference } është afër
notice-overdue = Kërkesa { $reference } është me vonesë
notice-preservation_expiring = Ruajtja e { $reference } përfundon së shpejti
notice-message = Mesazh i ri për { $reference }
notice-answered = Kërkesa { $reference } mori përgjigje
notice-new_address = Hyrje nga një adresë e re

mail-request_received-subject = Kërkesë e re për të dhëna { $reference }
mail-request_received-body = Një kërkesë për të dhëna ({ $reference }) ka mbërritur në kutinë e organizatës suaj në cyberbridge.
mail-validation_requested-subject = Kërkohet miratim: { $reference }
mail-validation_requested-body = Një kërkesë për të dhëna ({ $reference }) e cakton zyrën tuaj për ta miratuar.
mail-validation_due-subject = Afati për miratimin po mbaron: { $reference }
mail-validation_due-body = Afati për miratimin e kërkesës për të dhëna { $reference } po mbaron.
mail-validation_overdue-subject = Afati për miratimin ka kaluar: { $reference }
mail-validation_overdue-body = Afati për miratimin e kërkesës për të dhëna { $reference } ka kaluar.
mail-deadline_near-subject = Afati afër: { $reference }
mail-deadline_near-body = Afati për t'iu përgjigjur kërkesës për të dhëna { $reference } është afër.
mail-overdue-subject = Me vonesë: { $reference }
mail-overdue-body = Kërkesa për të dhëna { $reference } e ka kaluar afatin pa përgjigje.
mail-preservation_expiring-subject = Ruajtja po përfundon: { $reference }
mail-preservation_expiring-body = Ruajtja e urdhëruar me { $reference } përfundon së shpejti; lëshuesi mund ta zgjasë.
mail-message-subject = Mesazh i ri: { $reference }
mail-message-body = Ka një mesazh të ri për kërkesën për të dhëna { $reference }.
mail-answered-subject = U përgjigj: { $reference }
mail-answered-body = Kërkesa për të dhëna { $reference } mori përgjigje.
mail-new_address-subject = Hyrje e re në llogarinë tuaj cyberbridge
mail-new_address-body = Në llogarinë tuaj sapo u hy nga një adresë që nuk ishte përdorur më parë. Nëse nuk ishit ju, dilni kudo nga faqja e llogarisë dhe njoftoni administratorin e organizatës.
mail-deadline = Afati: { $when }
mail-link = Hapeni në konsolë (hyni së pari): { $link }
mail-footer = Ky njoftim tregon çfarë ndodhi, kurrë përmbajtjen e një çështjeje. E merrni si person i organizatës suaj në cyberbridge; njoftimet përveç emergjencave dhe atyre të sigurisë mund t'i çaktivizoni në faqen e llogarisë.

enrol-title = Vendosni fjalëkalimin
enrol-intro = Administratori i organizatës suaj ju dha një kod aktivizimi. Me të vendosni fjalëkalimin tuaj; askush tjetër nuk e di kurrë.
field-token = Kodi i aktivizimit
enrol-token-hint = Ngjiteni kodin ashtu siç e morët (të dyja pjesët, njëra pas tjetrës, nëse erdhi në dy pjesë).
enrol-password-hint = Të paktën 12 karaktere.
field-password-again = Fjalëkalimi i ri, përsëri
enrol-passwords-differ = fjalëkalimet nuk përputhen
enrol-button = Vendos fjalëkalimin
enrol-link = Keni një kod aktivizimi? Vendosni fjalëkalimin
sign-in-enrolled = Fjalëkalimi juaj u vendos. Hyni me të.

factor-title = Faktori i dytë
factor-section = Faktori i dytë
factor-none = Ende nuk keni faktor të dytë. Me të, vetëm një fjalëkalim i vjedhur nuk mjafton për të hapur llogarinë tuaj.
factor-have = Llogaria juaj mbrohet nga një faktor i dytë (aplikacion vërtetimi).
factor-set-up = Vendosni faktorin e dytë
factor-scan = Skanoni këtë kod me aplikacionin e vërtetimit (p.sh. FreeOTP, Aegis ose Google Authenticator), pastaj shkruani kodin 6-shifror që tregon.
factor-qr-label = Kodi QR i sekretit të faktorit tuaj të dytë
factor-or-type = Ose shkruajeni këtë sekret në aplikacion:
factor-confirm = Konfirmo
factor-wrong-code = Ky kod nuk është i saktë.
factor-start-again = Filloni përsëri
factor-done = Faktori juaj i dytë është aktiv. Sesionet e tjera u mbyllën.
factor-codes = Kodet e rikuperimit
factor-codes-hint = Me secilin kod mund të hyni një herë nëse humbni telefonin. Shkruajini ose shtypini tani: tregohen vetëm këtë herë.
factor-continue = Vazhdo
factor-required = Roli juaj kërkon një faktor të dytë: vendoseni para çdo gjëje tjetër.

new-unreadable = nuk mund të lexohet: kontrolloni formatin
new-time-skipped = nuk ekziston në zonën tuaj kohore (orët e kapërcejnë atë orë): kontrolloni kohën
new-time-twice = ndodh dy herë në zonën tuaj kohore (orët kthehen prapa atë natë): zgjidhni UTC si zonë kohore te Llogaria dhe jepeni kohën në UTC
new-period-both = plotësoni të dyja datat e periudhës, ose asnjërën

org-title = Organizata juaj
org-link = Organizata juaj: personat dhe katalogu
org-people = Personat
org-col-person = Personi
org-col-role = Roli
org-col-officer = Zyrtari
org-col-last-login = Hyrja e fundit
org-inactive = i çaktivizuar
org-accredit = Akreditoje si zyrtar
org-function = Funksioni
org-registration = Numri i regjistrimit
org-may-issue = Mund të lëshojë kërkesa për të dhëna
org-may-validate = Mund të miratojë kërkesa për të dhëna
org-save-officer = Ruaj
org-new-link = Kod i ri aktivizimi
org-deactivate = Çaktivizo
org-reactivate = Riaktivizo
org-add = Shto një person
org-name = Emri
org-add-button = Shto dhe krijo një kod aktivizimi
org-token-title = Kodi i aktivizimit
org-token-hint = Ia dorëzoni vetë këtë kod personit { $email } (personalisht ose nëpërmjet një kanali të besuar); tregohet vetëm këtë herë. Me të, personi vendos fjalëkalimin te /console/enrol.
org-token-until = E vlefshme deri më { $when }.
org-catalogue = Çfarë mund të ofroni (katalogu i shërbimeve)
org-catalogue-hint = Kërkuesit e shohin këtë para se të dërgojnë një kërkesë: çfarë mbani për çdo lloj, sa kohë e ruani, çfarë duhet të citojë një kërkesë dhe kontaktin tuaj 24/7 për emergjenca.
org-supported = U përgjigjemi kërkesave të këtij lloji
org-data-held = Të dhënat që mbahen
org-retention = Periudha e mbajtjes (p.sh. "regjistrat e caktimit të IP: 12 muaj")
org-legal = Çfarë duhet të përmbajë ose të citojë një kërkesë
org-contact = Kontakti 24/7 për emergjenca
org-phone = Telefoni (E.164, p.sh. +38344123456)
org-publish = Publiko katalogun
role-member = Anëtar
role-org_admin = Administrator i organizatës
done-filed = U paraqit: pret një administrator të dytë të platformës.
done-person-changed = Ndryshimi u ruajt.
done-catalogue = Katalogu u publikua.
org-token-value = Kodi për dorëzim

prefs-title = Preferencat
prefs-language = Gjuha
prefs-browser-language = Gjuha e shfletuesit
prefs-zone = Zona kohore
prefs-platform-zone = E platformës ({ $zone })
prefs-notices = Më dërgoni njoftime me e-mail
prefs-notices-hint = Emergjencat dhe njoftimet e sigurisë dërgohen gjithsesi.
prefs-save = Ruaj preferencat
done-preferences = Preferencat tuaja u ruajtën.

catalogue-title = Çfarë thotë kjo organizatë se mund të ofrojë
catalogue-supported = u përgjigjet
catalogue-not-supported = nuk u përgjigjet
catalogue-none = Kjo organizatë nuk ka publikuar katalog: pyesni kontaktin e saj 24/7 para një emergjence.

verify-title = Verifikoni një dokument të nënshkruar
verify-link = Verifikoni një dokument të nënshkruar
verify-intro = Ngjitni një dokument që platforma e nënshkroi (një urdhër, një vendim miratimi, një përgjigje) ashtu siç e morët: tekstin saktësisht siç u nënshkrua dhe nënshkrimin e tij të shkëputur. Kontrollohet me çelësat e publikuar të platformës.
verify-payload = Teksti i nënshkruar (JSON kanonik)
verify-jws = Nënshkrimi i shkëputur (JWS)
verify-button = Verifiko
verify-key = nënshkruar me çelësin e publikuar { $kid }

case-title = Çështja aktuale
case-intro = Çështja me të cilën punoni tani. Referenca e saj plotësohet në kërkesat e reja dhe listat tregojnë së pari kërkesat e saj. Përfundon kur dilni.
case-intro-owed = Organizata juaj deklaron çdo herë pse kërkon. Zgjidhni këtu një herë çështjen dhe arsyen: konsola i bart ato në çdo kërkim dhe kërkesë derisa t'i ndryshoni ose të dilni.
case-purpose = Qëllimi
case-use = Përdor këtë çështje
case-clear = Pa çështje aktuale
case-current = Çështja aktuale
case-change = Ndrysho
case-none = Nuk ka çështje aktuale.
case-none-owed = Nuk ka çështje aktuale: kërkimet do të kërkojnë një qëllim.
case-choose = Zgjidhni një çështje
case-only = Po shfaqen kërkesat e çështjes { $case }.
case-all = Shfaq të gjitha çështjet
# legal: unreviewed
purpose-criminal_investigation = Hetim penal
# legal: unreviewed
purpose-criminal_proceedings = Procedim penal
purpose-financial_analysis = Analizë financiare (NJIF)
purpose-fraud_prevention = Parandalim i një mashtrimi në vazhdim
purpose-victim_support = Ndihmë për një viktimë
purpose-threat_intelligence = Inteligjencë për kërcënimet dhe parandalim
purpose-supervision = Mbikëqyrje
purpose-data_subject_request = Kërkesë e subjektit të të dhënave
purpose-other = Tjetër

new-type-hint = Ofrohen vetëm llojet të cilave u përgjigjet kjo organizatë.
new-validator-needed = Tabela e politikave kërkon një { $kinds }: ofrohen vetëm ato të vendit tuaj.
new-validator-none = nuk nevojitet
new-check = Kontrollo para dërgimit
or = {" ose "}
outline-title = Para se të dërgoni
outline-pick = Zgjidhni marrësin dhe llojin: ky panel pastaj tregon kush e vërteton kërkesën dhe kur duhet përgjigjja.
outline-validation-needed = Sipas tabelës { $table }, një { $kinds } e vërteton këtë kërkesë para se t'i arrijë marrësit.
outline-validation-none = Sipas tabelës { $table }, kjo kërkesë nuk ka nevojë për vërtetim: i arrin { $addressee } sapo ta dërgoni.
outline-validator-reads = Vërtetuesi lexon edhe përgjigjet.
outline-no-validators = Ende nuk ka në platformë asnjë organizatë që mund ta vërtetojë: kërkesa nuk mund të dërgohet derisa të ketë një.
outline-conflict = Rregullat që zbatohen për këtë kërkesë kërkojnë vërtetues që asnjë organizatë nuk mund të jetë: nuk mund të dërgohet kështu. Ndryshoni llojin ose kategoritë e të dhënave.
outline-emergency-first = Si emergjencë, dërgohet menjëherë; vërtetimi duhet deri më { $due }.
outline-deadline-now = Nëse e dërgoni tani, { $addressee } duhet të përgjigjet deri më { $deadline }.
outline-deadline-later = { $addressee } do të ketë { $allowed } për t'u përgjigjur nga marrja e kërkesës, pas vërtetimit.
allowed-emergency = 8 orë
allowed-urgent = 3 ditë
allowed-routine = 10 ditë

nav-lookup = Kërkimi
lookup-title = Kërkimi
lookup-value = Vlera për t'u kërkuar
lookup-value-hint = Një IBAN, adresë IP, domen, URL, adresë e-maili, numër telefoni (+ dhe kodi i vendit), portofol ose hash: lloji njihet vetë.
lookup-type = Lloji
lookup-recognise = Njihe vetë
lookup-purpose = Pse kërkoni
lookup-purpose-owed = Organizata juaj deklaron qëllimin për çdo kërkim: jepeni këtu ose zgjidhni një çështje aktuale në krye të faqes.
lookup-purpose-optional = Opsionale për organizatën tuaj: nëse jepet, ruhet me regjistrimin e auditimit të kërkimit.
lookup-button = Kërko
lookup-unrecognised = Kjo vlerë nuk njihet nga platforma: zgjidhni llojin e saj ose kontrolloni si është shkruar.
lookup-seen = E njohur: përmendet në raporte aktuale
lookup-stale = E njohur më parë: raportet kanë kaluar vlefshmërinë
lookup-not-seen = Nuk gjendet në raportet që mund të shihni
lookup-disputed = E kontestuar: disa organizata e gjetën si alarm të rremë
lookup-confidence = Besueshmëria: { $confidence } nga 100
lookup-sightings = Parë { $seen } herë nga anëtarët; { $false } organizata e gjetën si alarm të rremë.
lookup-own = E fundit e organizatës suaj: { $kind }, { $at }.
lookup-reports = Raportet që e përmendin dhe që mund t'i shihni
lookup-record-seen = Edhe ne e pamë
lookup-record-false = Është alarm i rremë
col-category = Kategoria
col-confidence = Besueshmëria
col-valid-until = E vlefshme deri
sighting-seen = e parë
sighting-false_positive = alarm i rremë
sighting-expired = e skaduar
done-sighting = U regjistrua për organizatën tuaj.
indicator-iban = IBAN
indicator-bic = BIC
indicator-bank_account = Llogari bankare
indicator-ipv4 = Adresë IPv4
indicator-ipv6 = Adresë IPv6
indicator-domain = Domen
indicator-url = URL
indicator-email = Adresë e-maili
indicator-phone = Numër telefoni
indicator-crypto_wallet = Portofol kriptomonedhash
indicator-sha256 = Hash SHA-256
indicator-username = Emër përdoruesi
report-category-phishing = Phishing
report-category-business_email_compromise = Kompromentim i e-mailit të biznesit
report-category-investment_fraud = Mashtrim me investime
report-category-romance_scam = Mashtrim romantik
report-category-account_takeover = Marrje e llogarisë
report-category-card_fraud = Mashtrim me karta
report-category-online_shop_fraud = Mashtrim me dyqan online
report-category-ransomware = Ransomware
report-category-malware = Softuer keqdashës
report-category-ddos = DDoS
report-category-sextortion = Shantazh seksual
report-category-money_mule = Mushkë parash
report-category-crypto_fraud = Mashtrim me kriptomonedha
report-category-identity_theft = Vjedhje identiteti
report-category-other = Tjetër
