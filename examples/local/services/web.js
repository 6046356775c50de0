'use strict';
// web: the pages in front of the api. Copied into each release as handler.js.

module.exports = {
  description: 'web front end',
  seed: () => [
    { id: 'home', path: '/', title: 'Forge supplies' },
    { id: 'catalog', path: '/catalog', title: 'Catalog' },
  ],
  routes: {
    '/pages': ({ records }) => records,
  },
};
