'use strict';
// config-store: the key/value settings the other demo services read. Copied into each release as handler.js.

module.exports = {
  description: 'settings shared by the demo services',
  seed: () => [
    { id: 'feature.search', value: true },
    { id: 'feature.export', value: false },
    { id: 'limits.requestsPerMinute', value: 600 },
  ],
  routes: {
    '/config': ({ records }) => Object.fromEntries(records.map((r) => [r.id, r.value])),
  },
};
