import '../styles/theme.css';
import '../styles/store.css';
import { mountCartCount } from '../shared/cart-store.js';
import './store-order.js';

mountCartCount();
