// Mirrors app/src/routes.rs: a rename there must be made here too, or the specs fail.
export const routes = {
  login: "/login",
  recover: "/recover",
  account: "/account",
  changePassword: "/change-password",
  accountPassword: "/account/password",
  devMailbox: "/dev/mailbox",
};

export const ids = {
  main: "main",
  loginForm: "login-form",
  userId: "user-id",
  password: "password",
  cantAccess: "cant-access",
  formError: "form-error",
  accountEmail: "account-email",
  accountName: "account-name",
  signOut: "sign-out",
  currentPassword: "current-password",
  newPassword: "new-password",
  confirmPassword: "confirm-password",
  changeSubmit: "change-submit",
  showPassword: "show-password",
  passwordChecklist: "password-checklist",
  passwordSummary: "password-summary",
  strength: "password-strength",
  changePasswordLink: "change-password-link",
  accountNotice: "account-notice",
  langSwitcher: "lang-switcher",
  mailboxList: "mailbox-list",
  orgName: "org-name",
};

export const demo = {
  user: { email: "anna.rossi@example.com", password: "correct horse battery staple", name: "Anna Rossi" },
  admin: { email: "admin@example.com", password: "admin demo passphrase 2026" },
  org: "Contoso Demo",
};
