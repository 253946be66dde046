import '../styles/theme.css';
import '../styles/admin.css';
import './admin-app.js';
