## cyberbridge console: English (the reference catalogue; every other one has each key).
## Legal terms follow the Council of Europe's Convention on Cybercrime (ETS No. 185).

skip-to-content = Skip to content
nav-label = Main navigation
nav-requests = Data requests
nav-account = Account
nav-sign-out = Sign out
footer = cyberbridge · platform-reported information, handled under the law of each member

sign-in-title = Sign in
field-email = E-mail
field-password = Password
field-code = Code
sign-in-button = Sign in
sign-in-code-optional = The 6-digit code from your authenticator app, or a recovery code. Leave it empty if you have no second factor yet.
sign-in-code-hint = Enter the 6-digit code from your authenticator app, or one of your recovery codes.
sign-in-failed = The e-mail or password is not right, or the account is locked for a while after too many attempts.
sign-in-wrong-code = That code is not right. Wait for the next code and try again.
sign-in-again = The sign-in took too long or had too many tries. Start again with your e-mail and password.

error-detail = Details
error-home = Go to the start page
error-reference = Reference for the help desk: { $id }
error-invalid-title = Something in the form needs fixing
error-invalid-next = Go back, correct what is named below and send it again.
error-signed-out-title = You are signed out
error-signed-out-next = Sign in again to continue.
error-forbidden-title = You may not do this
error-forbidden-next = Your organisation or role does not allow this. Ask your organisation's administrator if you believe you need it.
error-not-found-title = Not found
error-not-found-next = It does not exist, or it is not visible to your organisation. Check the link or go back to your list.
error-conflict-title = It changed in the meantime
error-conflict-next = Someone changed it while you were looking at it. Reload the page, check its current state and try again.
error-gone-title = No longer available
error-gone-next = This was sealed or removed. The details below say why.
error-too-many-title = Too many attempts
error-too-many-next = Wait a minute and try again.
error-unavailable-title = Temporarily unavailable
error-unavailable-next = The platform cannot reach its database just now. Try again in a minute; nothing was saved.
error-failed-title = Something went wrong on our side
error-failed-next = Nothing was saved. Try again; if it happens again, give the help desk the reference below.

requests-title = Data requests
requests-boxes = Boxes
requests-new = New request
requests-empty = There are no requests in this box.
requests-caption = Open emergencies first, then by deadline.
requests-more = Older requests
box-received = Received
box-issued = Issued
box-to_validate = To validate

col-reference = Reference
col-type = Type
col-urgency = Urgency
col-status = Status
col-from = From
col-to = To
col-case = Case reference
col-deadline = Deadline
col-file = File
col-size = Size (bytes)
col-signed-in = Signed in
col-last-seen = Last seen
col-address = Address
col-second-factor = Second factor
col-action = Action

deadline-none = No deadline
deadline-closed = Closed
deadline-overdue = Overdue since { $when }
deadline-soon = Due soon: { $when }
deadline-due = Due { $when }

# legal: Budapest Convention arts. 16-18 (preservation, production order); unreviewed wording
type-subscriber_info = Subscriber information
type-traffic_data = Traffic data
type-content_data = Content data
type-preservation = Expedited preservation
type-account_info = Account information
type-transaction_history = Transaction history
type-domain_registration_info = Domain registration data
type-freeze_funds = Freezing of funds

category-subscriber = Subscriber information
category-ip_identification = IP address identification
category-traffic = Traffic data
category-content = Content data
category-transaction = Transactions

urgency-emergency = Emergency
urgency-urgent = Urgent
urgency-routine = Routine

status-pending_validation = Awaiting validation
status-validation_rejected = Validation refused
status-submitted = Sent
status-acknowledged = Acknowledged
status-in_progress = In progress
status-clarification_requested = Clarification asked
status-fulfilled = Answered
status-partially_fulfilled = Partly answered
status-rejected = Refused
status-withdrawn = Withdrawn

to-submitted = Send again
to-acknowledged = Acknowledge
to-in_progress = Mark in progress
to-clarification_requested = Ask for clarification
to-fulfilled = Mark answered
to-partially_fulfilled = Mark partly answered
to-rejected = Refuse
to-withdrawn = Withdraw
to-pending_validation = Back to validation
to-validation_rejected = Refuse validation

reason-data_not_held = Data not held
reason-not_our_service = Not our service
reason-request_incomplete = Request incomplete
reason-identifier_invalid = Identifier not valid
reason-legal_basis_insufficient = Legal basis insufficient
reason-conflicting_obligation = Conflicting legal obligation
reason-technically_impossible = Technically impossible
reason-other = Other

kind-isp = ISP
kind-bank = bank
kind-prosecution = prosecution
kind-court = court

request-facts = The request
request-validator = Validated by (prosecution or court)
request-legal-basis = Legal basis
request-categories = Data categories
request-period = Period of data
request-no-notification = Do not tell the customer before
request-officer = Issuing officer
request-validated-by = Validating officer
request-sealed = Answers sealed
request-identifiers = Identifiers
request-observed = observed at
request-print-order = Signed order and receipts (printable)

validate-title = Validate
validate-note-hint = Your reasons. Required to refuse; they are signed with your decision.
validate-approve = Approve
validate-reject = Refuse

move-title = Next step
move-reason-hint = Required to refuse: why the request cannot be answered.
field-reason = Reason
field-note = Note

answer-title = Answer
field-records = Records
answer-records-hint = One record per block of lines, each line "name: value" (a blank line starts the next record), or a JSON array.
field-files = Files
answer-files-hint = Up to 20 files, 25 MiB each. Each file's SHA-256 is recorded and shown to the requester.
answer-send = Send the answer

extend-title = Preservation
extend-until = Data preserved until { $when }.
extend-button = Extend by 90 days

answers-title = Answers
messages-title = Messages
messages-none = No messages yet.
field-message = Message
messages-send = Send message
history-title = History

done-issued = The request was sent.
done-moved = The request moved to its next step.
done-validated = Your decision was recorded and signed.
done-extended = The preservation was extended.
done-message = Your message was sent.
done-answered = Your answer was sent.
done-session-ended = The session was ended.

new-title = New data request
new-fix = The request was not sent. Fix these and send it again:
new-pick-addressee = choose the organisation the request goes to
new-pick-type = choose the type of request
field-addressee = Addressee
field-type = Type of request
field-case = Case reference
field-provision = Legal provision
new-provision-hint = The provisions cited, e.g. "CPC art. 123; Budapest Convention art. 18".
field-legal-text = Text of the order
new-urgency-hint = Routine: 10 days. Urgent: 3 days. Emergency (threat to life or safety): 8 hours.
field-justification = Justification of the emergency
new-justification-hint = Only for an emergency: at least 50 characters on the threat to life or safety.
new-identifier = Identifier { $n }
field-identifier-type = Type
field-identifier-value = Value
field-port = Port
field-observed = Observed at
new-utc-hint = In UTC.
field-period-from = Data from (UTC)
field-period-to = Data until (UTC)
new-validator-hint = Needed where the law asks for a prosecutor's or judge's validation; the request reaches the addressee once validated.
new-send = Send the request

order-title = Signed order
order-none = No signed documents yet: the order is signed when it reaches the addressee.
order-verified = Signature verified
order-not-verified = Signature does NOT verify
order-key = Signing key
order-back = Back to the request
document-order = Order
document-validation = Validation decision
document-response = Answer

account-title = Account
account-sessions = Your sessions
account-this-session = this session
account-end-session = End this session
account-sign-out-everywhere = Sign out everywhere
account-password = Password
field-current-password = Current password
field-new-password = New password
account-password-hint = At least 12 characters. Every session, this one included, ends when it changes.
account-password-change = Change password
account-password-wrong = The current password is not right.
yes = Yes
no = No

notices-title = Notices
notice-request_received = New request { $reference } in your box
notice-validation_requested = Request { $reference } waits for your validation
notice-validation_due = The validation of { $reference } is due soon
notice-validation_overdue = The validation of { $reference } is overdue
notice-deadline_near = The deadline of { $reference } is near
notice-overdue = Request { $reference } is overdue
notice-preservation_expiring = The preservation of { $reference } ends soon
notice-message = New message on { $reference }
notice-answered = Request { $reference } was answered
notice-new_address = Signed in from a new address

mail-request_received-subject = New data request { $reference }
mail-request_received-body = A data request ({ $reference }) has arrived in your organisation's box on cyberbridge.
mail-validation_requested-subject = Validation asked: { $reference }
mail-validation_requested-body = A data request ({ $reference }) names your office to validate it.
mail-validation_due-subject = Validation due soon: { $reference }
mail-validation_due-body = The validation of data request { $reference } is due soon.
mail-validation_overdue-subject = Validation overdue: { $reference }
mail-validation_overdue-body = The validation of data request { $reference } is overdue.
mail-deadline_near-subject = Deadline near: { $reference }
mail-deadline_near-body = The deadline to answer data request { $reference } is near.
mail-overdue-subject = Overdue: { $reference }
mail-overdue-body = Data request { $reference } has passed its deadline without an answer.
mail-preservation_expiring-subject = Preservation ending: { $reference }
mail-preservation_expiring-body = The preservation ordered by { $reference } ends soon; the issuer may extend it.
mail-message-subject = New message: { $reference }
mail-message-body = There is a new message on data request { $reference }.
mail-answered-subject = Answered: { $reference }
mail-answered-body = Data request { $reference } has been answered.
mail-new_address-subject = New sign-in to your cyberbridge account
mail-new_address-body = Your account was just signed in to from an address it had not used before. If this was not you, sign out everywhere from your account page and tell your organisation's administrator.
mail-deadline = Deadline: { $when }
mail-link = Open it in the console (sign in first): { $link }
mail-footer = This notice says what happened, never what a case holds. You get it as a person of your organisation on cyberbridge; you can turn off notices other than emergencies and security ones on your account page.

enrol-title = Set your password
enrol-intro = Your organisation's administrator gave you an enrolment token. With it you set your own password; nobody else ever knows it.
field-token = Enrolment token
enrol-token-hint = Paste the token exactly as you received it (both parts, one after the other, if it came in two).
enrol-password-hint = At least 12 characters.
field-password-again = New password, again
enrol-passwords-differ = the two passwords differ
enrol-button = Set my password
enrol-link = Got an enrolment token? Set your password
sign-in-enrolled = Your password is set. Sign in with it.

factor-title = Second factor
factor-section = Second factor
factor-none = You have no second factor yet. With one, a stolen password alone does not open your account.
factor-have = Your account is protected by a second factor (an authenticator app).
factor-set-up = Set up a second factor
factor-scan = Scan this code with your authenticator app (for example FreeOTP, Aegis or Google Authenticator), then type the 6-digit code it shows.
factor-qr-label = QR code of your second factor's secret
factor-or-type = Or type this secret into the app:
factor-confirm = Confirm
factor-wrong-code = That code is not right.
factor-start-again = Start again
factor-done = Your second factor is active. Your other sessions have ended.
factor-codes = Recovery codes
factor-codes-hint = Each code signs you in once if you lose your phone. Write them down or print them now: they are shown this once.
factor-continue = Continue
factor-required = Your role needs a second factor: set it up before anything else.

new-unreadable = cannot be read: check the format
new-period-both = give both ends of the period, or neither

org-title = Your organisation
org-link = Your organisation: people and catalogue
org-people = People
org-col-person = Person
org-col-role = Role
org-col-officer = Officer
org-col-last-login = Last sign-in
org-inactive = deactivated
org-accredit = Accredit as an officer
org-function = Function
org-registration = Registration number
org-may-issue = May issue data requests
org-may-validate = May validate data requests
org-save-officer = Save
org-new-link = New enrolment link
org-deactivate = Deactivate
org-reactivate = Reactivate
org-add = Add a person
org-name = Name
org-add-button = Add and make an enrolment token
org-token-title = Enrolment token
org-token-hint = Hand this token to { $email } yourself (in person or through a channel you trust); it is shown this once. They set their password with it at /console/enrol.
org-token-until = Valid until { $when }.
org-catalogue = What you can provide (capability catalogue)
org-catalogue-hint = Requesters see this before they send a request: what you hold for each type, how long you keep it, what a request must cite, and your 24/7 contact for emergencies.
org-supported = We answer this type of request
org-data-held = Data held
org-retention = Retention (e.g. "IP assignment logs: 12 months")
org-legal = What a request must contain or cite
org-contact = 24/7 contact for emergencies
org-phone = Phone (E.164, e.g. +38344123456)
org-publish = Publish the catalogue
role-member = Member
role-org_admin = Organisation administrator
done-filed = Filed: it waits for a second platform administrator.
done-person-changed = The change was saved.
done-catalogue = The catalogue was published.
org-token-value = Token to hand over

prefs-title = Preferences
prefs-language = Language
prefs-browser-language = The browser's language
prefs-notices = E-mail me notices
prefs-notices-hint = Emergencies and security notices are sent in any case.
prefs-save = Save preferences
done-preferences = Your preferences were saved.

catalogue-title = What this organisation says it can provide
catalogue-supported = answered
catalogue-not-supported = not answered
catalogue-none = This organisation has not published a catalogue: ask its 24/7 contact before an emergency.

verify-title = Verify a signed document
verify-link = Verify a signed document
verify-intro = Paste a document the platform signed (an order, a validation decision, an answer) as you received it: its text exactly as signed, and its detached signature. It is checked against the platform's published keys.
verify-payload = The signed text (canonical JSON)
verify-jws = The detached signature (JWS)
verify-button = Verify
verify-key = signed with the published key { $kid }
