/// The report's inline style sheet and script.
enum ReportAssets {
    static let css = """
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;margin:24px auto;max-width:1200px;padding:0 16px}
    h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}
    .source,.note{color:#59636e;margin:4px 0 10px}
    .tiles{display:flex;flex-wrap:wrap;gap:10px}.tile{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:110px}
    .tile .value{font-size:22px;font-weight:600}.tile .name{color:#59636e;font-size:12px}
    table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #eaeef2;text-align:right}
    td:first-child,th:first-child{text-align:left}th{cursor:pointer;user-select:none;background:#f6f8fa;position:sticky;top:0}
    th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
    #per-label{max-height:480px;display:block;overflow-y:auto}
    .confusions{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
    .confusion-list{max-width:500px;margin:0;padding-left:28px;max-height:560px;overflow-y:auto}.confusion-list>li{margin-bottom:6px}
    h3{font-size:15px;margin:18px 0 6px}
    .pair{font-weight:600}.count{background:#ffebe9;border-radius:8px;padding:0 6px;font-size:12px}
    .query{color:#59636e;font-style:italic;list-style:circle}
    svg text{font-size:11px;fill:#1f2328}table.pairs td{text-align:left}
    .status{color:#8c959f;font-size:11px}
    """

    /// Sorts the per-label table on a heading click (initially by F1, ascending) and records in
    /// `#script-status` that it ran, or the first error.
    static let script = """
    (function(){
      var status=document.getElementById('script-status');
      window.addEventListener('error',function(e){status.textContent='script error: '+e.message;});
      function sortBy(table,col,dir){
        var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
        var numeric=table.tHead.rows[0].cells[col].getAttribute('data-type')==='number';
        rows.sort(function(a,b){
          var x=a.cells[col].getAttribute('data-v'),y=b.cells[col].getAttribute('data-v');
          var c=numeric?parseFloat(x)-parseFloat(y):(x<y?-1:x>y?1:0);
          if(c===0){var p=a.cells[0].getAttribute('data-v'),q=b.cells[0].getAttribute('data-v');c=p<q?-1:p>q?1:0;return c;}
          return dir*c;});
        rows.forEach(function(r){body.appendChild(r);});
        Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h,i){
          h.className=i===col?(dir>0?'asc':'desc'):'';});
      }
      var tables=document.querySelectorAll('table.sortable');
      Array.prototype.forEach.call(tables,function(table){
        Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h,i){
          h.addEventListener('click',function(){sortBy(table,i,h.className==='asc'?-1:1);});});
      });
      var perLabel=document.getElementById('per-label');
      if(perLabel){sortBy(perLabel,3,1);}
      status.textContent='script ok: '+perLabel.tBodies[0].rows.length+' label rows sorted';
      status.setAttribute('data-ok','1');
    })();
    """
}
