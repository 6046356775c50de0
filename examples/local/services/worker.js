'use strict';
// worker: background jobs of the demo; its HTTP side shows the queue. Copied into each release as handler.js.

module.exports = {
  description: 'background jobs: reindex, thumbnails, e-mail digests',
  seed: () => [
    { id: 'job-reindex', queue: 'search', every: '1h' },
    { id: 'job-thumbnails', queue: 'media', every: '5m' },
    { id: 'job-digest', queue: 'mail', every: '1d' },
  ],
  routes: {
    '/jobs': ({ records }) => records,
  },
};
