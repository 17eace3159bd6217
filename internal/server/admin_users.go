package server

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"careers/internal/auth"
	"careers/internal/policy"
	"careers/internal/store"
	"careers/web"
)

func staffRow(u store.StaffUser) web.StaffRow {
	return web.StaffRow{ID: u.ID, Name: u.Name, Email: u.Email, Roles: roleList(u), Active: u.Active, Password: u.HasPassword(), Enrolled: u.Enrolled()}
}

func roleOptions(checked []policy.Role) []web.Option {
	opts := make([]web.Option, len(policy.Roles))
	for i, r := range policy.Roles {
		opts[i] = web.Option{Value: string(r), Label: r.Label(), Checked: slices.Contains(checked, r)}
	}
	return opts
}

// formRoles reads the role checkboxes, refusing unknown values.
func formRoles(r *http.Request) ([]policy.Role, bool) {
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	var roles []policy.Role
	for _, v := range r.PostForm["roles"] {
		role := policy.Role(v)
		if !role.Valid() {
			return nil, false
		}
		roles = append(roles, role)
	}
	return roles, true
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	users, err := s.store.ListStaffUsers(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rows := make([]web.StaffRow, len(users))
	for i, u := range users {
		rows[i] = staffRow(u)
	}
	s.render(w, r, http.StatusOK, web.AdminUsersPage(s.layout(r, ""), rows))
}

func (s *Server) adminNewUserForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, web.AdminNewUserPage(s.layout(r, ""), web.NewStaffForm{Roles: roleOptions(nil)}))
}

// adminNewUser creates the account and its invitation in one transaction.
// A second submit of the same form meets the unique email and is told so,
// so a double click makes one account.
func (s *Server) adminNewUser(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("name"))
	email := store.NormaliseEmail(r.PostFormValue("email"))
	roles, ok := formRoles(r)
	f := web.NewStaffForm{Name: name, Email: email, Roles: roleOptions(roles)}
	if name == "" {
		f.Errors.Add("name", "Enter their full name")
	} else if len(name) > 200 {
		f.Errors.Add("name", "Their name must be 200 characters or fewer")
	}
	if email == "" {
		f.Errors.Add("email", "Enter their work email address")
	} else if !validEmail(email) {
		f.Errors.Add("email", "Enter an email address in the correct format, like name@example.nhs.uk")
	}
	if !ok {
		f.Errors.Add("roles", "Choose roles from the list")
	} else if len(roles) == 0 {
		f.Errors.Add("roles", "Select at least one role")
	}
	f.Errors = withFormErrors(r, f.Errors, "name", "email", "roles")
	if f.Errors.Any() {
		s.render(w, r, http.StatusUnprocessableEntity, web.AdminNewUserPage(s.layout(r, ""), f))
		return
	}
	var u store.StaffUser
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		var err error
		if u, err = st.CreateStaffUser(ctx, store.NewStaffUser{Email: email, Name: name, Roles: roles}); err != nil {
			return err
		}
		return s.audit(ctx, st, "create", "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess, "roles: "+rolesSig(roles))
	})
	if errors.Is(err, store.ErrConflict) {
		f.Errors.Add("email", "There is already an account with this email address")
		s.render(w, r, http.StatusUnprocessableEntity, web.AdminNewUserPage(s.layout(r, ""), f))
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.sendPasswordLink(ctx, u, invitationLink, auth.InvitationLinkTTL); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "Account added. We have emailed "+u.Name+" an invitation to set their password")
	http.Redirect(w, r, "/staff/admin/users/"+idOrEmpty(u.ID), http.StatusSeeOther)
}

// targetUser loads the account named in the URL.
func (s *Server) targetUser(w http.ResponseWriter, r *http.Request) (store.StaffUser, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.renderNotFound(w, r)
		return store.StaffUser{}, false
	}
	u, err := s.store.StaffUserByID(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.renderNotFound(w, r)
		return store.StaffUser{}, false
	}
	if err != nil {
		s.serverError(w, r, err)
		return store.StaffUser{}, false
	}
	return u, true
}

func (s *Server) adminUserProps(r *http.Request, u store.StaffUser, errs web.Errors) (web.AdminUserProps, error) {
	p := web.AdminUserProps{
		User: staffRow(u), CreatedAt: u.CreatedAt, Roles: roleOptions(u.Roles),
		IsSelf: u.ID == actorFrom(r.Context()).StaffID, IsCoach: slices.Contains(u.Roles, policy.Coach), Errors: errs,
	}
	if p.IsCoach {
		cp, err := s.store.CoachProfile(r.Context(), u.ID)
		if err != nil {
			return p, err
		}
		p.Background, p.Specialisms, p.Capacity = cp.Background, strings.Join(cp.Specialisms, ", "), strconv.Itoa(cp.Capacity)
		p.Modes = modeOptions(cp.Modes)
	}
	return p, nil
}

var coachModes = []struct{ value, label string }{{"virtual", "Video call"}, {"in_person", "In person"}, {"telephone", "Telephone"}}

func modeOptions(checked []string) []web.Option {
	opts := make([]web.Option, len(coachModes))
	for i, m := range coachModes {
		opts[i] = web.Option{Value: m.value, Label: m.label, Checked: slices.Contains(checked, m.value)}
	}
	return opts
}

func (s *Server) renderAdminUser(w http.ResponseWriter, r *http.Request, status int, u store.StaffUser, errs web.Errors) {
	p, err := s.adminUserProps(r, u, errs)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, status, web.AdminUserPage(s.layout(r, ""), p))
}

func (s *Server) adminUser(w http.ResponseWriter, r *http.Request) {
	if u, ok := s.targetUser(w, r); ok {
		s.renderAdminUser(w, r, http.StatusOK, u, nil)
	}
}

// adminChange runs one change to an account with its audit row, then
// returns to the account page with a confirmation.
func (s *Server) adminChange(w http.ResponseWriter, r *http.Request, u store.StaffUser, action, detail, done string, change func(st *store.Store) error) {
	ctx := r.Context()
	err := s.store.InTx(ctx, func(st *store.Store, _ pgxTx) error {
		if err := change(st); err != nil {
			return err
		}
		return s.audit(ctx, st, action, "staff_user", idOrEmpty(u.ID), store.OutcomeSuccess, detail)
	})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, done)
	http.Redirect(w, r, "/staff/admin/users/"+idOrEmpty(u.ID), http.StatusSeeOther)
}

func (s *Server) adminSetRoles(w http.ResponseWriter, r *http.Request) {
	u, ok := s.targetUser(w, r)
	if !ok {
		return
	}
	roles, valid := formRoles(r)
	var errs web.Errors
	switch {
	case !valid:
		errs.Add("roles", "Choose roles from the list")
	case u.ID == actorFrom(r.Context()).StaffID:
		// Nobody changes their own roles: an admin could otherwise make
		// themselves a coordinator and read every referral, or remove the
		// last admin. Another admin makes the change.
		errs.Add("roles", "You cannot change your own roles. Ask another admin to do it")
	}
	if errs.Any() {
		s.renderAdminUser(w, r, http.StatusUnprocessableEntity, u, errs)
		return
	}
	s.adminChange(w, r, u, "roles_changed", "roles: "+rolesSig(roles), "Roles saved", func(st *store.Store) error {
		return st.SetStaffRoles(r.Context(), u.ID, roles)
	})
}

func (s *Server) adminSetActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.targetUser(w, r)
		if !ok {
			return
		}
		if u.ID == actorFrom(r.Context()).StaffID {
			s.renderAdminUser(w, r, http.StatusUnprocessableEntity, u, web.Errors{{Field: "roles", Message: "You cannot deactivate your own account"}})
			return
		}
		action, done := "deactivated", u.Name+" has been deactivated and signed out"
		if active {
			action, done = "reactivated", u.Name+" can sign in again"
		}
		s.adminChange(w, r, u, action, "", done, func(st *store.Store) error {
			return st.SetStaffActive(r.Context(), u.ID, active, s.now())
		})
	}
}

func (s *Server) adminResetSecondFactor(w http.ResponseWriter, r *http.Request) {
	u, ok := s.targetUser(w, r)
	if !ok {
		return
	}
	s.adminChange(w, r, u, "second_factor_reset", "", "Second factor reset. "+u.Name+" will set up an authenticator app when they next sign in", func(st *store.Store) error {
		return st.ResetSecondFactor(r.Context(), u.ID)
	})
}

func (s *Server) adminResendInvite(w http.ResponseWriter, r *http.Request) {
	u, ok := s.targetUser(w, r)
	if !ok {
		return
	}
	if u.HasPassword() || !u.Active {
		http.Redirect(w, r, "/staff/admin/users/"+idOrEmpty(u.ID), http.StatusSeeOther)
		return
	}
	if err := s.sendPasswordLink(r.Context(), u, invitationLink, auth.InvitationLinkTTL); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "A new invitation has been emailed to "+u.Name)
	http.Redirect(w, r, "/staff/admin/users/"+idOrEmpty(u.ID), http.StatusSeeOther)
}

func (s *Server) adminCoachProfile(w http.ResponseWriter, r *http.Request) {
	u, ok := s.targetUser(w, r)
	if !ok {
		return
	}
	f := readCoachProfile(r, u.ID, false)
	if f.Errors.Any() {
		s.renderAdminUser(w, r, http.StatusUnprocessableEntity, u, f.Errors)
		return
	}
	s.adminChange(w, r, u, "coach_profile_changed", "", "Coach profile saved", func(st *store.Store) error {
		return st.SaveCoachProfile(r.Context(), f.Profile)
	})
}
