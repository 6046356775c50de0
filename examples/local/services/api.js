'use strict';
// api: the public JSON API of the demo. Copied into each release as handler.js.

module.exports = {
  description: 'JSON API over the items of the demo',
  seed: () => [
    { id: 'item-1', name: 'anvil', price: 120 },
    { id: 'item-2', name: 'bellows', price: 45 },
    { id: 'item-3', name: 'chisel', price: 12 },
    { id: 'item-4', name: 'drawknife', price: 30 },
  ],
  routes: {
    '/items': ({ records }) => records,
  },
};
