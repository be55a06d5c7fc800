// The API paths the wallet uses, in one place (see the OpenAPI document at /schema).

export const EP = {
  login: '/api/v1/auth/login',
  logout: '/api/v1/auth/logout',
  me: '/api/v1/me',
  sessions: '/api/v1/me/sessions',
  session: (id) => `/api/v1/me/sessions/${encodeURIComponent(id)}`,
  totpStart: '/api/v1/me/totp',
  totpConfirm: '/api/v1/me/totp/confirm',
  card: '/api/v1/me/card',
  reveal: '/api/v1/me/card/reveal',
  action: (name) => `/api/v1/me/card/actions/${name.replace(/_/g, '-')}`, // report_temp_loss -> report-temp-loss
  events: '/api/v1/me/card/events',
  banks: '/api/v1/banks',
  bank: '/api/v1/me/card/bank',
  devices: '/api/v1/me/devices',
  device: (id) => `/api/v1/me/devices/${encodeURIComponent(id)}`,
  onlineCode: '/api/v1/me/codes/online',
  credentials: '/api/v1/me/credentials',
  verifications: '/api/v1/me/verifications',
  // sign up and apply (issue 14)
  accounts: '/api/v1/accounts',
  applications: '/api/v1/me/card/applications',
  regions: '/api/v1/catalog/regions',
};
