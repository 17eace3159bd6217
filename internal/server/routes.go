package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"careers/internal/policy"
	"careers/internal/triage"
)

// Handler returns the whole site: the middleware stack and one route table.
func (s *Server) Handler() http.Handler { return s.handler(nil) }

// handler builds the router; extra lets tests mount routes of their own
// (a panicking or slow handler) behind the real middleware.
func (s *Server) handler(extra func(chi.Router)) http.Handler {
	r := chi.NewRouter()

	// Order matters: IDs and client address first so everything after can log
	// them; logging outside recovery so a panic is still logged with its 500.
	r.Use(s.requestID)
	r.Use(s.clientIP)
	r.Use(s.logRequests)
	r.Use(s.securityHeaders)
	r.Use(s.devHostOnly) // development answers only for its own Host (no DNS rebinding)
	r.Use(s.recoverPanics)
	r.Use(s.limitInFlight(s.cfg.MaxInFlight))
	r.Use(middleware.Timeout(s.cfg.RequestTimeout))
	r.Use(s.limitWork(workSlots(s.cfg.DBMaxConns)))
	r.Use(compressPages())
	r.Use(s.limitBody(defaultBodyLimit))
	r.Use(s.crossOrigin)
	r.Use(sessionRead)
	r.Use(s.prefetchPages)
	r.Use(s.guardSessions)
	r.Use(s.sessions.LoadAndSave)
	r.Use(s.loadActor)

	r.NotFound(s.renderNotFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	var (
		anyone = policy.Anyone
		public = policy.SignedInPublic
		staff  = policy.StaffWith()
		admin  = policy.StaffWith(policy.Admin)
		// Referral pages: the rule admits these roles; ownership is then
		// decided per referral by policy.Referral.
		referralStaff = policy.StaffWith(policy.Coordinator, policy.Lead, policy.Coach, policy.CaseManager)
		coordinators  = policy.StaffWith(policy.Coordinator)
		// Changes to a referral: the rule comes from the change table in
		// internal/policy, which handlers and pages read too.
		triaging = policy.MayChange(policy.Triage)
	)
	h := func(method, pattern string, rule policy.Rule, fn http.HandlerFunc) {
		s.handle(r, method, pattern, rule, fn)
	}

	// Probes and files.
	h("GET", "/healthz", anyone, s.healthz)
	h("GET", "/readyz", anyone, s.readyz)
	h("GET", "/assets/*", anyone, s.assets.Handler().ServeHTTP)
	h("GET", "/favicon.ico", anyone, s.favicon)

	// Public information.
	h("GET", "/", anyone, s.startPage)
	h("GET", "/privacy", anyone, s.privacyPage)
	h("GET", "/accessibility", anyone, s.accessibilityPage)
	h("GET", "/cookies", anyone, s.cookiesPage)

	// Trainees and referrers: passwordless sign-in and their own referrals.
	h("GET", "/sign-in", anyone, s.publicSignInForm)
	h("POST", "/sign-in", anyone, s.publicSignIn)
	h("GET", "/sign-in/check-email", anyone, s.publicCheckEmail)
	h("GET", "/sign-in/link", anyone, s.publicLinkForm)
	h("POST", "/sign-in/link", anyone, s.publicLink)
	h("POST", "/sign-out", anyone, s.publicSignOut)
	// Workshops and webinars, the registrant's side (ws-core, issue 16).
	// Every your-place route checks the person through s.workshopPlace.
	h("GET", "/workshops", anyone, s.workshopsList)
	h("GET", "/workshops/confirm", anyone, s.workshopConfirmForm)
	h("POST", "/workshops/confirm", anyone, s.workshopConfirm)
	h("GET", "/workshops/{slug}", anyone, s.workshopPage)
	h("GET", "/workshops/{slug}/register", anyone, s.workshopRegisterForm)
	h("POST", "/workshops/{slug}/register", anyone, s.workshopRegister)
	h("GET", "/workshops/{slug}/check-email", anyone, s.workshopCheckEmail)
	h("GET", "/workshops/{slug}/your-place", anyone, s.workshopYourPlace)
	h("POST", "/workshops/{slug}/your-place/cancel", anyone, s.workshopCancelPlace)
	h("POST", "/workshops/{slug}/your-place/accept", anyone, s.workshopAcceptOffer)
	h("POST", "/workshops/{slug}/your-place/decline", anyone, s.workshopDeclineOffer)
	h("GET", "/workshops/{slug}/your-place/calendar.ics", anyone, s.workshopCalendar)

	h("GET", "/your-referrals", public, s.yourReferrals)
	h("GET", "/your-referrals/{reference}", public, s.yourReferral)
	h("POST", "/your-referrals/{reference}/answer", public, s.answerQuestion)
	h("GET", "/your-referrals/{reference}/book", public, s.bookForm(false))
	h("POST", "/your-referrals/{reference}/book", public, s.book(false))
	h("GET", "/your-referrals/{reference}/appointments/{id}/cancel", public, s.traineeCancelForm)
	h("POST", "/your-referrals/{reference}/appointments/{id}/cancel", public, s.traineeCancel)
	h("GET", "/your-referrals/{reference}/appointments/{id}/rearrange", public, s.rearrangeForm)
	h("POST", "/your-referrals/{reference}/appointments/{id}/rearrange", public, s.rearrange)
	h("GET", "/your-referrals/{reference}/appointments/{id}/calendar.ics", public, s.appointmentCalendar)
	h("GET", "/your-referrals/{reference}/appointments/{id}/summary", public, s.summaryForm)
	h("POST", "/your-referrals/{reference}/appointments/{id}/summary", public, s.saveSummary)
	h("POST", "/your-referrals/{reference}/appointments/{id}/share", public, s.changeShare)
	h("GET", "/your-referrals/{reference}/withdraw", public, s.withdrawForm)
	h("POST", "/your-referrals/{reference}/withdraw", public, s.withdraw)
	h("GET", "/your-referrals/{reference}/outcomes/{stage}", public, s.outcomesFormPage)
	h("POST", "/your-referrals/{reference}/outcomes/{stage}", public, s.saveOutcomes)
	h("GET", "/your-referrals/{reference}/contact", public, s.contactForm)
	h("POST", "/your-referrals/{reference}/contact", public, s.contactSave)
	h("GET", "/contact-details/confirm", anyone, s.emailChangeForm)
	h("POST", "/contact-details/confirm", anyone, s.emailChange)
	h("GET", "/your-data", public, s.yourData)
	h("GET", "/your-data/download.html", public, s.yourDataDownload("html"))
	h("GET", "/your-data/download.json", public, s.yourDataDownload("json"))

	// Staff sign-in, passwords and second factor.
	h("GET", "/staff/sign-in", anyone, s.staffSignInForm)
	h("POST", "/staff/sign-in", anyone, s.staffSignIn)
	h("GET", "/staff/sign-in/verify", anyone, s.staffVerifyForm)
	h("POST", "/staff/sign-in/verify", anyone, s.staffVerify)
	h("GET", "/staff/sign-in/set-up", anyone, s.staffEnrolForm)
	h("POST", "/staff/sign-in/set-up", anyone, s.staffEnrol)
	h("GET", "/staff/sign-in/recovery-codes", staff, s.recoveryCodes)
	h("POST", "/staff/sign-out", anyone, s.staffSignOut)
	h("GET", "/staff/set-password", anyone, s.passwordForm(invitationLink))
	h("POST", "/staff/set-password", anyone, s.setPassword(invitationLink))
	h("GET", "/staff/reset-password", anyone, s.passwordForm(resetLink))
	h("POST", "/staff/reset-password", anyone, s.setPassword(resetLink))
	h("GET", "/staff/forgot-password", anyone, s.forgotPasswordForm)
	h("POST", "/staff/forgot-password", anyone, s.forgotPassword)
	h("GET", "/staff/forgot-password/check-email", anyone, s.forgotPasswordSent)

	// Staff homes and account.
	h("GET", "/staff", staff, s.staffHome)
	for _, home := range roleHomes {
		h("GET", home.path, policy.StaffWith(home.role), s.roleHome(home.role))
	}
	h("GET", "/staff/account", staff, s.account)
	h("POST", "/staff/account/password", staff, s.changePassword)

	// Referral forms: a trainee, a supervisor, a Case Manager.
	s.intakeRoutes(h, selfIntake, anyone)
	s.intakeRoutes(h, supervisorIntake, anyone)
	s.intakeRoutes(h, caseManagerIntake, policy.StaffWith(policy.CaseManager))
	h("GET", "/refer/confirm", anyone, s.referralConfirmForm)
	h("POST", "/refer/confirm", anyone, s.referralConfirm)
	h("GET", "/refer/confirm/new", anyone, s.confirmLinkRequestForm)
	h("POST", "/refer/confirm/new", anyone, s.confirmLinkRequest)
	h("GET", "/refer/confirm/check-email", anyone, s.confirmLinkSent)
	// The six-month outcome questions: the emailed link is the key.
	h("GET", "/outcomes/follow-up", anyone, s.followUpForm)
	h("POST", "/outcomes/follow-up", anyone, s.followUp)
	h("POST", "/refer/confirm/decline", anyone, s.referralNoThanks)
	h("GET", "/refer/confirm/declined", anyone, s.referralDeclined)

	// Referrals.
	coordinatorsAndLeads := policy.StaffWith(policy.Coordinator, policy.Lead)
	h("GET", "/staff/referrals", coordinatorsAndLeads, s.referralQueue)
	h("POST", "/staff/referrals", coordinatorsAndLeads, s.referralQueueSearch)
	h("GET", queueExportPath, coordinators, s.referralQueueExport)
	h("GET", "/staff/referrals/{reference}", referralStaff, s.staffReferral)
	h("GET", "/staff/referrals/{reference}/form-c", referralStaff, s.referralFormC)
	h("POST", "/staff/referrals/{reference}/chase", triaging, s.referralChase)
	h("POST", "/staff/referrals/{reference}/close-unconfirmed", triaging, s.referralCloseUnconfirmed)
	h("POST", "/staff/referrals/{reference}/accept", triaging, s.acceptReferral())
	h("POST", "/staff/referrals/{reference}/decline", triaging, s.declineReferral())
	h("POST", "/staff/referrals/{reference}/request-info", triaging, s.requestInfo())
	h("POST", "/staff/referrals/{reference}/eligibility", triaging, s.overrideEligibility())
	h("POST", "/staff/referrals/{reference}/allocate", triaging, s.allocate(triage.ActionAllocate))
	h("POST", "/staff/referrals/{reference}/reallocate", triaging, s.allocate(triage.ActionReallocate))
	h("POST", "/staff/referrals/{reference}/close", triaging, s.closeReferral())
	h("POST", "/staff/referrals/{reference}/reopen", policy.MayChange(policy.Reopen), s.reopenReferral())
	h("POST", "/staff/referrals/{reference}/notes", policy.MayChange(policy.AddNote), s.addNote())
	h("POST", "/staff/referrals/{reference}/funding", policy.MayChange(policy.DecideFunding), s.fundingDecision())
	h("POST", "/staff/referrals/{reference}/extensions", policy.MayChange(policy.RequestExtension), s.requestExtension())
	h("POST", "/staff/referrals/{reference}/extensions/{id}", policy.MayChange(policy.DecideExtension), s.decideExtension())
	h("GET", "/staff/referrals/{reference}/summaries", policy.MayChange(policy.ReadSummaries), s.staffSummaries)
	h("GET", "/staff/referrals/{reference}/book", policy.MayChange(policy.BookFor), s.bookForm(true))
	h("POST", "/staff/referrals/{reference}/book", policy.MayChange(policy.BookFor), s.book(true))
	// Appointments: the rule names the roles; the handler then asks
	// policy.Change about the appointment's referral (a coach only their
	// own clients'; a PSU lead waives but does not cancel or record).
	h("POST", "/staff/appointments/{id}/cancel", policy.MayChange(policy.CancelSession), s.staffCancel)
	h("POST", "/staff/appointments/{id}/attendance", policy.MayChange(policy.RecordAttendance), s.recordAttendance)
	h("POST", "/staff/appointments/{id}/waive", policy.MayChange(policy.WaiveForfeit), s.waiveAppointment)
	h("POST", "/staff/appointments/{id}/confirm", policy.MayChange(policy.ConfirmMeeting), s.confirmMeeting)
	coachesOnly := policy.StaffWith(policy.Coach)
	h("GET", "/staff/coach/profile", coachesOnly, s.coachProfile)
	h("POST", "/staff/coach/profile", coachesOnly, s.saveCoachProfile)
	h("GET", "/staff/appointments/{id}/joining", coachesOnly, s.appointmentJoiningForm)
	h("POST", "/staff/appointments/{id}/joining", coachesOnly, s.appointmentJoining)
	h("GET", "/staff/calendar", coachesOnly, s.calendar)
	h("GET", "/staff/calendar/add", coachesOnly, s.calendarAdd)
	h("POST", "/staff/calendar/pattern", coachesOnly, s.addPattern)
	h("POST", "/staff/calendar/single", coachesOnly, s.addSingle)
	h("POST", "/staff/calendar/slots/{id}/delete", coachesOnly, s.deleteSlot)
	h("POST", "/staff/calendar/time-off", coachesOnly, s.addTimeOff)
	h("GET", "/staff/calendar/time-off/{id}", coachesOnly, s.timeOffPage)
	h("POST", "/staff/calendar/time-off/{id}/delete", coachesOnly, s.deleteTimeOff)
	h("GET", "/staff/calendar/patterns", coachesOnly, s.patternsPage)
	h("GET", "/staff/calendar/patterns/{id}", coachesOnly, s.patternPage)
	h("POST", "/staff/calendar/patterns/{id}/change", coachesOnly, s.changePattern)
	h("POST", "/staff/calendar/patterns/{id}/end", coachesOnly, s.endPattern)
	h("POST", "/staff/calendar/patterns/{id}/remove-free", coachesOnly, s.removePatternFree)
	h("GET", "/staff/calendar/feed", coachesOnly, s.feedPage)
	h("POST", "/staff/calendar/feed", coachesOnly, s.makeFeed)
	h("POST", "/staff/calendar/feed/revoke", coachesOnly, s.revokeFeed)
	// The coach's calendar subscription: public, gated by the secret token
	// in the address (only its HMAC is stored; the log never has the path).
	h("GET", "/calendar-feed/{token}.ics", anyone, s.calendarFeed)

	// The unit's figures: aggregates only, for coordinators and PSU leads.
	h("GET", "/staff/reports", coordinatorsAndLeads, s.reportsPage)
	h("GET", "/staff/reports/{table}.csv", coordinatorsAndLeads, s.reportCSV)
	h("GET", "/staff/reports/outcomes/summary", coordinatorsAndLeads, s.outcomeSummary)

	// Workshops and webinars, the staff side (issue 16; helper ws-staff):
	// coordinators and PSU leads only, on every route, GET and POST.
	h("GET", "/staff/workshops", coordinatorsAndLeads, s.staffWorkshops)
	h("GET", "/staff/workshops/new", coordinatorsAndLeads, s.workshopNewForm)
	h("POST", "/staff/workshops/new", coordinatorsAndLeads, s.workshopCreate)
	h("GET", "/staff/workshops/{id}", coordinatorsAndLeads, s.staffWorkshop)
	h("GET", "/staff/workshops/{id}/edit", coordinatorsAndLeads, s.workshopEditForm)
	h("POST", "/staff/workshops/{id}/edit", coordinatorsAndLeads, s.workshopEdit)
	h("GET", "/staff/workshops/{id}/copy", coordinatorsAndLeads, s.workshopCopyForm)
	h("GET", "/staff/workshops/{id}/cancel", coordinatorsAndLeads, s.workshopCancelForm)
	h("POST", "/staff/workshops/{id}/cancel", coordinatorsAndLeads, s.workshopCancel)
	h("GET", "/staff/workshops/{id}/message", coordinatorsAndLeads, s.workshopMessageForm)
	h("POST", "/staff/workshops/{id}/message", coordinatorsAndLeads, s.workshopMessage)
	h("POST", "/staff/workshops/{id}/registrations/{reg}/offer", coordinatorsAndLeads, s.workshopOfferPlace)
	h("POST", "/staff/workshops/{id}/registrations/{reg}/place", coordinatorsAndLeads, s.workshopGivePlace)
	h("POST", "/staff/workshops/{id}/registrations/{reg}/remove", coordinatorsAndLeads, s.workshopRemove)
	h("GET", "/staff/workshops/{id}/register", coordinatorsAndLeads, s.workshopAttendanceSheet)
	h("POST", "/staff/workshops/{id}/register", coordinatorsAndLeads, s.workshopSaveAttendance)
	h("GET", "/staff/workshops/{id}/check-in-code", coordinatorsAndLeads, s.workshopCheckInCode)

	// ws-after (issue 16): after a workshop, the registrant's own check-in,
	// feedback and certificate (s.workshopPlace decides who may).
	h("GET", "/workshops/{slug}/your-place/check-in", anyone, s.workshopCheckInPage)
	h("POST", "/workshops/{slug}/your-place/check-in", anyone, s.workshopCheckIn)
	h("GET", "/workshops/{slug}/your-place/feedback", anyone, s.workshopFeedbackPage)
	h("POST", "/workshops/{slug}/your-place/feedback", anyone, s.workshopFeedback)
	h("GET", "/workshops/{slug}/your-place/certificate", anyone, s.workshopCertificate)

	// Messages that could not be delivered.
	h("GET", "/staff/messages", coordinators, s.messagesList)
	h("POST", "/staff/messages/{id}/retry", coordinators, s.messageRetry)

	// The development mailbox: only in development with no mail server.
	if s.cfg.IsDevelopment() && s.cfg.SMTPURL == nil {
		h("GET", "/dev/mailbox", anyone, s.mailboxList)
		h("GET", "/dev/mailbox/{id}", anyone, s.mailboxMessage)
		h("GET", "/dev/mailbox/{id}/html", anyone, s.mailboxHTML)
		h("GET", "/dev/mailbox/{id}/raw", anyone, s.mailboxRaw)
		h("GET", "/dev/mailbox/{id}/attachments/{n}", anyone, s.mailboxAttachment)
	}

	// Administration.
	h("GET", "/staff/admin/users", admin, s.adminUsers)
	h("GET", "/staff/admin/users/new", admin, s.adminNewUserForm)
	h("POST", "/staff/admin/users/new", admin, s.adminNewUser)
	h("GET", "/staff/admin/users/{id}", admin, s.adminUser)
	h("POST", "/staff/admin/users/{id}/roles", admin, s.adminSetRoles)
	h("POST", "/staff/admin/users/{id}/deactivate", admin, s.adminSetActive(false))
	h("POST", "/staff/admin/users/{id}/reactivate", admin, s.adminSetActive(true))
	h("POST", "/staff/admin/users/{id}/reset-second-factor", admin, s.adminResetSecondFactor)
	h("POST", "/staff/admin/users/{id}/invite", admin, s.adminResendInvite)
	h("POST", "/staff/admin/users/{id}/coach-profile", admin, s.adminCoachProfile)
	h("GET", "/staff/admin/audit", admin, s.auditLog)
	h("POST", "/staff/admin/audit", admin, s.auditSearch)
	h("GET", "/staff/admin/data-requests", admin, s.adminDataRequestForm)
	h("POST", "/staff/admin/data-requests", admin, s.adminDataRequest)
	h("GET", "/staff/admin/retention", admin, s.adminRetention)
	h("POST", "/staff/admin/retention/hold", admin, s.adminPlaceHold)
	h("POST", "/staff/admin/retention/lift", admin, s.adminLiftHold)
	h("GET", "/staff/admin/retention/register", admin, s.adminRegister)

	if extra != nil {
		r.Group(extra)
	}
	return s.traced(r)
}
